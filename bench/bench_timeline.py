"""Interaction timeline benchmark: the first page of a client with 10,000 entries, in a big database.

Run it in an Odoo shell on a database that has crm_pipeline installed with Odoo's demo data (never on a
production database: it adds data and commits):

    ./crmctl shell --db tl_bench < bench/bench_timeline.py

Settings (environment variables): BENCH_RUNS (50 timed runs per measure), BENCH_SCALE (1.0: multiplies the
background volume below), BENCH_EXPLAIN (1: print EXPLAIN ANALYZE of the first page's query).

1. Builds once (kept for the next runs; found again by the client's name):
   * a background of other clients and their history, so that every source table is big and the
     client's rows must be found through indexes: 100,000 client companies, 300,000 deals (+ their stage
     history), 300,000 sale orders, 200,000 deliveries, 200,000 invoices, 150,000 payments, 50,000
     meetings and 1,000,000 chatter messages (x BENCH_SCALE);
   * the client "Bench Timeline Client" (a company and 5 contacts) with 10,000 timeline entries over three
     years: orders confirmed (and sent as quotations before), deliveries, invoices, payments, meetings,
     deals with their stage changes / won / lost, e-mails, messages, notes and done activities, plus the
     tracking notifications Odoo writes on orders (not entries, but in the same chatters).
   Each kind is first made once through the ORM with Odoo's business flow (quotation -> confirmed order ->
   validated delivery -> posted invoice -> registered payment, a meeting, a deal moved and won, messages
   posted, an activity marked done); the bulk rows are copies of those records made with one
   INSERT ... SELECT per table (every column copied from the template, so each row is what the ORM wrote,
   with its own name, partner, salesperson and dates). Order, invoice and delivery lines are not copied:
   neither the timeline nor the list views read them. Orders, invoices and deals are split between two
   salespeople (60/40) so that record rules matter.
2. Times the first timeline page (crm.timeline.get_timeline, 20 entries, server time in this process, the
   ORM cache emptied before each run) as the admin and as the salesperson owning 60 % of the documents;
   also the 5th page, a kind filter, and the list view (crm.timeline.entry web_search_read, 80 rows + count).
   Each measure gives the wall-clock p50/p95/p99 and the CPU time per run of this process and of its
   PostgreSQL backend (read from /proc): on a shared, loaded machine the wall clock also counts the time
   spent waiting for a CPU.
3. Times the same history opened through Odoo's standard screens: the partner form's smart buttons (sale
   orders, invoices, opportunities, meetings: the button's action method + the list's web_search_read of
   80 rows with its count), the deliveries and payments lists, and the chatter's first message fetch
   (/mail/thread/messages: _message_fetch + Store formatting).
"""

import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta

from lxml import etree

from odoo import Command
from odoo.tools import SQL

if "env" not in globals():  # the Odoo shell provides `env`
    sys.exit("Run me in an Odoo shell: ./crmctl shell --db DB < bench/bench_timeline.py")

ENV = env  # noqa: F821
CR = ENV.cr
RUNS = int(os.environ.get("BENCH_RUNS", "50"))
SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
EXPLAIN = os.environ.get("BENCH_EXPLAIN") == "1"
CLIENT_NAME = "Bench Timeline Client"
NOW = datetime(2026, 6, 1, 12, 0, 0)
SPAN_MINUTES = 3 * 365 * 24 * 60  # the client's history spreads over three years before NOW

BACKGROUND = {
    "clients": 100_000,
    "leads": 300_000,
    "orders": 300_000,
    "pickings": 200_000,
    "invoices": 200_000,
    "payments": 150_000,
    "meetings": 50_000,
    "messages": 1_000_000,
}
# the client's 10,000 entries
CLIENT = {
    "orders": 1500,  # 1500 "order confirmed" + 1000 "quotation sent"
    "quotations_sent": 1000,
    "pickings": 1400,
    "invoices": 1400,
    "payments": 1200,
    "meetings": 300,
    "leads": 250,  # 250 "deal created"
    "stage_moves": 400,
    "won": 100,
    "lost": 80,
    "emails": 1200,
    "comments": 300,
    "notes": 500,
    "activities": 370,
}


def say(text):
    print(text, flush=True)


def columns(table):
    rows = ENV.execute_query(
        SQL(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != 'id'"
            " ORDER BY ordinal_position",
            table,
        )
    )
    return [row[0] for row in rows]


def clone(table, template_id, count, overrides):
    """Copy row ``template_id`` of ``table`` ``count`` times in one INSERT ... SELECT; ``overrides`` maps a
    column to an SQL expression that may use ``g`` (1..count) and ``t`` (the template row). Returns ids."""
    cols = columns(table)
    exprs = [overrides.get(col, SQL.identifier("t", col)) for col in cols]
    unknown = set(overrides) - set(cols)
    assert not unknown, (table, unknown)
    rows = ENV.execute_query(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s t, generate_series(1, %s) g WHERE t.id = %s ORDER BY g RETURNING id",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(col) for col in cols),
            SQL(", ").join(exprs),
            SQL.identifier(table),
            count,
            template_id,
        )
    )
    return [row[0] for row in rows]


def pick(ids, salt=0):
    """SQL: an element of ``ids`` chosen by g (deterministic)."""
    return SQL("(%s::int[])[1 + mod(g::bigint * 7919 + %s, %s)]", list(ids), salt, len(ids))


def spread(minutes=SPAN_MINUTES, salt=0):
    """SQL: a timestamp in the ``minutes`` before NOW, spread by g."""
    return SQL(
        "(%s::timestamp - make_interval(mins => mod(g::bigint * 104729 + %s, %s)::int))",
        NOW,
        salt,
        max(minutes, 1),
    )


def backend_cpu():
    """CPU seconds used so far by this process and by its PostgreSQL backend (/proc, Linux)."""
    pid = ENV.execute_query(SQL("SELECT pg_backend_pid()"))[0][0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        backend = float("nan")
    return time.process_time(), backend


def timed(label, fn, runs=RUNS):
    """Wall-clock p50/p95/p99 in ms of ``fn()`` (the ORM cache emptied before each run), after one warm-up
    run, and the CPU time per run (this process + its PostgreSQL backend, mean over the runs): on a loaded
    machine the wall clock includes the time spent waiting for a CPU, the CPU time does not."""
    fn()
    samples = []
    cpu_start = backend_cpu()
    for _index in range(runs):
        ENV.invalidate_all()
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    cpu_end = backend_cpu()
    samples.sort()

    def pct(p):
        return samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))]

    result = {
        "label": label,
        "p50": statistics.median(samples),
        "p95": pct(95),
        "p99": pct(99),
        "cpu_py": (cpu_end[0] - cpu_start[0]) * 1000 / runs,
        "cpu_pg": (cpu_end[1] - cpu_start[1]) * 1000 / runs,
    }
    say(
        f"  {label:58} p50 {result['p50']:7.1f}  p95 {result['p95']:7.1f}  p99 {result['p99']:7.1f} ms"
        f"  cpu {result['cpu_py']:5.1f} + {result['cpu_pg']:5.1f} ms"
    )
    return result


# ---------------------------------------------------------------- templates through the ORM


def make_user(login, name):
    user = ENV["res.users"].search([("login", "=", login)])
    if not user:
        user = (
            ENV["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": login,
                    "name": name,
                    "email": f"{login}@example.com",
                    "groups_id": [Command.link(ENV.ref("crm_pipeline.group_crm_salesperson").id)],
                }
            )
        )
    return user


def build_templates(client, contacts, users):
    """One record of each kind made the way Odoo makes it; returns their ids."""
    say("  templates through the ORM (order flow, meeting, deal, messages) ...")
    env = ENV
    team = env["crm.team"].search([], limit=1)
    product = env["product.product"].create(
        {"name": "Bench Pump", "type": "consu", "is_storable": True, "list_price": 100.0}
    )
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10.0)
    order = env["sale.order"].create(
        {
            "partner_id": contacts[0].id,
            "user_id": users[0].id,
            "team_id": team.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1.0})],
        }
    )
    order.action_quotation_sent()
    order.action_confirm()
    picking = order.picking_ids[:1]
    picking.move_ids.quantity = 1.0
    picking.move_ids.picked = True
    picking.button_validate()
    invoice = order._create_invoices()
    invoice.action_post()
    payment = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create({})
        ._create_payments()
    )
    meeting = (
        env["calendar.event"]
        .with_context(no_mail_to_attendees=True)
        .create(
            {
                "name": "Bench meeting",
                "start": NOW,
                "stop": NOW + timedelta(hours=1),
                "user_id": users[0].id,
                "partner_ids": [Command.set([contacts[0].id, users[0].partner_id.id])],
            }
        )
    )
    lead = env["crm.lead"].create(
        {"name": "Bench deal", "type": "opportunity", "partner_id": client.id, "user_id": users[0].id}
    )
    stages = env["crm.stage"].search([("is_won", "=", False)], limit=2)
    lead.stage_id = stages[-1]
    email = client.message_post(
        body="<p>Hello, please send the price list for the pumps and the delivery terms.</p>",
        subject="Price list request",
        message_type="email",
        subtype_xmlid="mail.mt_comment",
        author_id=contacts[0].id,
    )
    comment = client.message_post(
        body="<p>Sent the price list.</p>", message_type="comment", subtype_xmlid="mail.mt_comment"
    )
    note = client.message_post(
        body="<p>The client wants a discount.</p>", message_type="comment", subtype_xmlid="mail.mt_note"
    )
    activity = lead.activity_schedule("mail.mail_activity_data_call", summary="Call about the delivery")
    activity_message = activity._action_done(feedback="Delivery confirmed")[0]
    tracking = env["mail.message"].search(
        [("model", "=", "sale.order"), ("res_id", "=", order.id), ("message_type", "=", "notification")], limit=1
    )
    attendee = meeting.attendee_ids[:1]
    env.flush_all()
    return {
        "order": order.id,
        "picking": picking.id,
        "invoice": invoice.id,
        "payment": payment.id,
        "meeting": meeting.id,
        "attendee": attendee.id,
        "lead": lead.id,
        "stages": stages.ids,
        "email": email.id,
        "comment": comment.id,
        "note": note.id,
        "activity": activity_message.id,
        "tracking": tracking.id or comment.id,
    }


# ---------------------------------------------------------------- bulk copies


def bulk_history(tpl, partners, users, counts, prefix, salt):
    """Copies of the templates for ``partners`` (list of ids): returns the new ids per kind."""
    won_stage = ENV["crm.stage"].search([("is_won", "=", True)], limit=1).id
    made = {}
    n = counts

    def user_expr(salt2):
        # 60 % of the documents to the first salesperson, 40 % to the second
        return SQL("CASE WHEN mod(g * 31 + %s, 10) < 6 THEN %s ELSE %s END", salt2, users[0], users[1])

    if n.get("orders"):
        made["orders"] = clone(
            "sale_order",
            tpl["order"],
            n["orders"],
            {
                "name": SQL("%s || 'SO' || g", prefix),
                "partner_id": pick(partners, salt + 1),
                "partner_invoice_id": pick(partners, salt + 1),
                "partner_shipping_id": pick(partners, salt + 1),
                "user_id": user_expr(salt + 2),
                "state": SQL("'sale'"),
                "date_order": spread(salt=salt + 3),
                "crm_date_quotation_sent": SQL(
                    "CASE WHEN g <= %s THEN %s - interval '1 day' END",
                    n.get("quotations_sent", 0),
                    spread(salt=salt + 3),
                ),
                "opportunity_id": SQL("NULL"),
                "access_token": SQL("NULL"),
            },
        )
    if n.get("pickings"):
        made["pickings"] = clone(
            "stock_picking",
            tpl["picking"],
            n["pickings"],
            {
                "name": SQL("%s || 'OUT' || g", prefix),
                "partner_id": pick(partners, salt + 4),
                "user_id": user_expr(salt + 5),
                "date_done": spread(salt=salt + 6),
                "sale_id": SQL("NULL"),
            },
        )
    if n.get("invoices"):
        made["invoices"] = clone(
            "account_move",
            tpl["invoice"],
            n["invoices"],
            {
                "name": SQL("%s || 'INV' || g", prefix),
                "partner_id": pick(partners, salt + 7),
                "commercial_partner_id": pick(partners, salt + 7),
                "invoice_user_id": user_expr(salt + 8),
                "invoice_date": SQL("(%s)::date", spread(salt=salt + 9)),
                "date": SQL("(%s)::date", spread(salt=salt + 9)),
                "inalterable_hash": SQL("NULL"),
                "secure_sequence_number": SQL("NULL"),
                "sequence_number": SQL("g"),
                "sequence_prefix": SQL("%s || 'INV'", prefix),
                "access_token": SQL("NULL"),
            },
        )
    if n.get("payments"):
        made["payments"] = clone(
            "account_payment",
            tpl["payment"],
            n["payments"],
            {
                "name": SQL("%s || 'PAY' || g", prefix),
                "partner_id": pick(partners, salt + 10),
                "date": SQL("(%s)::date", spread(salt=salt + 11)),
                "move_id": SQL("NULL"),
            },
        )
    if n.get("meetings"):
        made["meetings"] = clone(
            "calendar_event",
            tpl["meeting"],
            n["meetings"],
            {
                "name": SQL("%s || 'Meeting ' || g", prefix),
                "start": spread(salt=salt + 12),
                "stop": SQL("%s + interval '1 hour'", spread(salt=salt + 12)),
                "user_id": user_expr(salt + 13),
                "access_token": SQL("NULL"),
                "opportunity_id": SQL("NULL"),
                "res_id": SQL("NULL"),
                "res_model_id": SQL("NULL"),
                "res_model": SQL("NULL"),
            },
        )
        CR.execute(
            SQL(
                "INSERT INTO calendar_event_res_partner_rel (calendar_event_id, res_partner_id)"
                " SELECT e, (%s::int[])[1 + mod(e::bigint * 7919, %s)] FROM unnest(%s::int[]) e",
                list(partners),
                len(partners),
                made["meetings"],
            )
        )
        cols = columns("calendar_attendee")
        exprs = [
            SQL("e")
            if col == "event_id"
            else SQL("(%s::int[])[1 + mod(e::bigint * 7919, %s)]", list(partners), len(partners))
            if col == "partner_id"
            else SQL("md5(e::text || 'bench')")
            if col == "access_token"
            else SQL.identifier("t", col)
            for col in cols
        ]
        CR.execute(
            SQL(
                "INSERT INTO calendar_attendee (%s) SELECT %s FROM calendar_attendee t, unnest(%s::int[]) e WHERE t.id = %s",
                SQL(", ").join(SQL.identifier(c) for c in cols),
                SQL(", ").join(exprs),
                made["meetings"],
                tpl["attendee"],
            )
        )
    if n.get("leads"):
        made["leads"] = clone(
            "crm_lead",
            tpl["lead"],
            n["leads"],
            {
                "name": SQL("%s || 'Deal ' || g", prefix),
                "partner_id": pick(partners, salt + 14),
                "user_id": user_expr(salt + 15),
                "create_date": spread(salt=salt + 16),
                "date_last_stage_update": spread(salt=salt + 16),
                "email_normalized": SQL("NULL"),
                "phone_sanitized": SQL("NULL"),
                "active": SQL("mod(g, 10) != 0 OR %s = 0", n.get("lost", 0)),
            },
        )
        # stage history: the first stay of each deal, then moves, won and lost stays
        leads = made["leads"]
        first, moved = n.get("stage_moves", 0), n.get("won", 0)
        CR.execute(
            SQL(
                """
                INSERT INTO crm_lead_stage_log (lead_id, stage_id, user_id, company_id, team_id, date_in, date_out,
                                                duration_seconds, duration_days, outcome,
                                                create_uid, create_date, write_uid, write_date)
                SELECT l.id, %(stage0)s, l.user_id, l.company_id, l.team_id, l.create_date,
                       l.create_date + interval '1 day', 86400, 1, 'moved', 1, l.create_date, 1, l.create_date
                  FROM crm_lead l WHERE l.id = ANY(%(leads)s)
                """,
                stage0=tpl["stages"][0],
                leads=leads,
            )
        )
        for outcome, count, stage, offset in (
            ("moved", first, tpl["stages"][-1], 1),
            ("won", moved, won_stage, 5),
            ("lost", n.get("lost", 0), tpl["stages"][-1], 9),
        ):
            if not count:
                continue
            CR.execute(
                SQL(
                    """
                    INSERT INTO crm_lead_stage_log (lead_id, stage_id, user_id, company_id, team_id, date_in,
                                                    date_out, duration_seconds, duration_days, outcome,
                                                    create_uid, create_date, write_uid, write_date)
                    SELECT l.id, %(stage)s, l.user_id, l.company_id, l.team_id,
                           l.create_date + (%(offset)s + mod(g, 7)) * interval '1 day',
                           l.create_date + (%(offset)s + mod(g, 7)) * interval '1 day' + interval '2 days',
                           172800, 2, %(outcome)s, 1, l.create_date, 1, l.create_date
                      FROM generate_series(1, %(count)s) g
                      JOIN crm_lead l ON l.id = (%(leads)s::int[])[1 + mod(g::bigint * 7919 + %(salt)s, %(nb)s)]
                    """,
                    stage=stage,
                    offset=offset,
                    outcome=outcome,
                    count=count,
                    leads=leads,
                    salt=offset,
                    nb=len(leads),
                )
            )
    # messages: e-mails from the contacts and notes on the partners, messages on the orders,
    # done activities on the deals, tracking notifications on the orders
    docs = {
        "res.partner": partners,
        "sale.order": made.get("orders") or partners,
        "crm.lead": made.get("leads") or partners,
    }
    for key, template, model in (
        ("emails", "email", "res.partner"),
        ("comments", "comment", "sale.order"),
        ("notes", "note", "res.partner"),
        ("activities", "activity", "crm.lead"),
        ("trackings", "tracking", "sale.order"),
    ):
        if not n.get(key):
            continue
        ids = docs[model]
        made[key] = clone(
            "mail_message",
            tpl[template],
            n[key],
            {
                "model": SQL("%s", model),
                "res_id": pick(ids, salt + 17),
                "date": spread(salt=salt + 18 + len(key)),
                "author_id": pick(partners, salt + 19) if key == "emails" else SQL("t.author_id"),
                "message_id": SQL("md5(g::text || %s || %s)", prefix, key),
            },
        )
    return made


def build(users):
    client = ENV["res.partner"].create({"name": CLIENT_NAME, "is_company": True, "email": "bench@client.example"})
    contacts = ENV["res.partner"].create(
        [{"name": f"Bench Contact {i}", "parent_id": client.id, "email": f"c{i}@client.example"} for i in range(5)]
    )
    partners = [client.id, *contacts.ids]
    tpl = build_templates(client, contacts, users)
    ENV["ir.config_parameter"].set_param("crm_pipeline.bench_timeline_templates", repr(tpl))
    say("  the client's 10,000 entries ...")
    start = time.monotonic()
    made = bulk_history(tpl, partners, users.ids, dict(CLIENT, trackings=2 * CLIENT["orders"]), "BTC/", 0)
    say(f"    done in {time.monotonic() - start:.1f} s: " + ", ".join(f"{k} {len(v)}" for k, v in made.items()))
    say(f"  background x{SCALE} ...")
    bg = {k: int(v * SCALE) for k, v in BACKGROUND.items()}
    start = time.monotonic()
    others = clone(
        "res_partner",
        client.id,
        bg["clients"],
        {
            "name": SQL("'Background client ' || g"),
            "complete_name": SQL("'Background client ' || g"),
            "email": SQL("'bg' || g || '@example.com'"),
            "email_normalized": SQL("'bg' || g || '@example.com'"),
            "commercial_partner_id": SQL("NULL"),
        },
    )
    CR.execute(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", others))
    say(f"    {len(others)} clients in {time.monotonic() - start:.1f} s")
    chunk = 50_000
    per_doc = {
        "leads": bg["leads"],
        "orders": bg["orders"],
        "pickings": bg["pickings"],
        "invoices": bg["invoices"],
        "payments": bg["payments"],
        "meetings": bg["meetings"],
        "stage_moves": bg["leads"] // 2,
        "won": bg["leads"] // 10,
        "lost": bg["leads"] // 10,
    }
    message_counts = {
        "emails": bg["messages"] * 3 // 10,
        "comments": bg["messages"] * 2 // 10,
        "notes": bg["messages"] * 2 // 10,
        "activities": bg["messages"] // 10,
        "trackings": bg["messages"] * 2 // 10,
    }
    part = 0
    total_parts = max(1, -(-max(per_doc.values()) // chunk))
    while any(per_doc.values()):
        part += 1
        start = time.monotonic()
        counts = {k: min(v, chunk) for k, v in per_doc.items()}
        counts.update({k: v // total_parts for k, v in message_counts.items()})
        bulk_history(tpl, others, users.ids, counts, f"BG{part}/", part * 97)
        per_doc = {k: v - counts[k] for k, v in per_doc.items()}
        CR.commit()
        say(f"    background part {part}/{total_parts} in {time.monotonic() - start:.1f} s")
    for table in (
        "res_partner",
        "sale_order",
        "stock_picking",
        "account_move",
        "account_payment",
        "calendar_event",
        "calendar_event_res_partner_rel",
        "crm_lead",
        "crm_lead_stage_log",
        "mail_message",
    ):
        CR.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    ENV.registry.clear_cache()
    ENV["ir.config_parameter"].set_param("crm_pipeline.bench_timeline_client", str(client.id))
    CR.commit()
    return client


# ---------------------------------------------------------------- measures


def list_spec(model):
    """web_search_read specification of the default list view of ``model`` (what the web client asks)."""
    views = ENV[model].get_views([(False, "list")])
    arch = etree.fromstring(views["views"]["list"]["arch"])
    fields = ENV[model]._fields
    spec = {}
    for node in arch.iterchildren("field"):
        name = node.get("name")
        field = fields.get(name)
        if not field:
            continue
        if field.type in ("many2one", "many2many", "one2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def main():
    say("Timeline benchmark (load average %.1f %.1f %.1f on %d CPUs)" % (*os.getloadavg(), os.cpu_count()))
    users = make_user("bench_tl_sales_a", "Bench Salesperson A") | make_user("bench_tl_sales_b", "Bench Salesperson B")
    client = ENV["res.partner"].search([("name", "=", CLIENT_NAME), ("is_company", "=", True)], limit=1)
    if client:
        if ENV["ir.config_parameter"].get_param("crm_pipeline.bench_timeline_client") != str(client.id):
            sys.exit("An earlier build of the data stopped half-way: use a new database.")
        say(f"1. data: found {CLIENT_NAME} (#{client.id}), kept from an earlier run")
    else:
        say("1. data: building (once) ...")
        start = time.monotonic()
        client = build(users)
        say(f"   built in {time.monotonic() - start:.0f} s")
    admin = ENV.ref("base.user_admin")
    sales = users[0]
    counts = ENV.execute_query(
        SQL(
            "SELECT (SELECT count(*) FROM crm_lead), (SELECT count(*) FROM res_partner),"
            " (SELECT count(*) FROM sale_order), (SELECT count(*) FROM mail_message),"
            " (SELECT count(*) FROM account_move), (SELECT count(*) FROM stock_picking)"
        )
    )[0]
    say("   database: %d leads, %d partners, %d sale orders, %d messages, %d journal entries, %d transfers" % counts)
    entries = ENV["crm.timeline.entry"].with_user(admin).with_context(crm_timeline_partner_id=client.id)
    total = entries.search_count([])
    by_kind = {g["kind"]: g["kind_count"] for g in entries.read_group([], ["kind"], ["kind"])}
    say(f"   client #{client.id}: {total} timeline entries for the admin: {by_kind}")
    say(
        "   the salesperson reads %d of them"
        % ENV["crm.timeline.entry"].with_user(sales).with_context(crm_timeline_partner_id=client.id).search_count([])
    )

    if EXPLAIN:
        timeline = ENV["crm.timeline"].with_user(sales)
        scope = timeline._timeline_scope(partner_id=client.id)
        union = timeline._timeline_union(scope, timeline._timeline_scope_sources(scope), limit=21)
        plan = ENV.execute_query(
            SQL(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT t.* FROM (%s) t ORDER BY t.date DESC, t.kind_number DESC,"
                " t.id DESC LIMIT 21",
                union,
            )
        )
        say("   EXPLAIN ANALYZE of the first page (salesperson):")
        for (line,) in plan:
            say("     " + line)

    results = []
    for who, user in (("admin", admin), ("salesperson", sales)):
        say(f"2. timeline as the {who} ({RUNS} runs each)")
        timeline = ENV["crm.timeline"].with_user(user)
        results.append(
            timed(f"timeline first page (20) [{who}]", lambda t=timeline: t.get_timeline(partner_id=client.id))
        )
        results.append(
            timed(
                f"timeline 5th page (offset 80) [{who}]",
                lambda t=timeline: t.get_timeline(partner_id=client.id, offset=80),
            )
        )
        results.append(
            timed(
                f"timeline kind filter: invoices + payments [{who}]",
                lambda t=timeline: t.get_timeline(partner_id=client.id, kinds=["invoice", "payment"]),
            )
        )
        entry_model = ENV["crm.timeline.entry"].with_user(user).with_context(crm_timeline_partner_id=client.id)
        spec = list_spec("crm.timeline.entry")
        results.append(
            timed(
                f"timeline list view: 80 rows + count [{who}]",
                lambda m=entry_model, s=spec: m.web_search_read([], s, limit=80),
            )
        )

        say(f"3. Odoo's standard screens as the {who}")
        partner = client.with_user(user)
        standard = []
        for label, model, action in (
            ("smart button Sales: sale orders", "sale.order", partner.action_view_sale_order),
            ("smart button Invoiced: invoices", "account.move", partner.action_view_partner_invoices),
            ("smart button Opportunities: deals", "crm.lead", partner.action_view_opportunity),
            ("smart button Meetings: meetings (list)", "calendar.event", partner.schedule_meeting),
        ):
            spec = list_spec(model)

            def run(model=model, action=action, spec=spec, user=user):
                # the button's server action, then the list it opens (its context is evaluated by the
                # web client; only its domain matters for the rows)
                act = action()
                ENV[model].with_user(user).web_search_read(act["domain"], spec, limit=80)

            standard.append(timed(f"{label} [{who}]", run))
        for label, model, domain in (
            ("deliveries list", "stock.picking", [("partner_id", "child_of", client.id)]),
            ("payments list", "account.payment", [("partner_id", "child_of", client.id)]),
        ):
            if not ENV[model].with_user(user).has_access("read"):
                say(f"  {label + ' [' + who + ']':58} no access")
                continue
            spec = list_spec(model)
            standard.append(
                timed(
                    f"{label} [{who}]",
                    lambda model=model, domain=domain, spec=spec, user=user: ENV[model]
                    .with_user(user)
                    .web_search_read(domain, spec, limit=80),
                )
            )
        from odoo.addons.mail.tools.discuss import Store

        def chatter(user=user):
            res = (
                ENV["mail.message"]
                .with_user(user)
                ._message_fetch(
                    [
                        ("res_id", "=", client.id),
                        ("model", "=", "res.partner"),
                        ("message_type", "!=", "user_notification"),
                    ],
                    limit=30,
                )
            )
            Store(res["messages"], for_current_user=True).get_result()

        standard.append(timed(f"chatter first fetch (30 messages) [{who}]", chatter))
        total = {
            "label": f"standard screens together [{who}]",
            "p50": sum(r["p50"] for r in standard),
            "p95": None,
            "p99": None,
            "cpu_py": sum(r["cpu_py"] for r in standard),
            "cpu_pg": sum(r["cpu_pg"] for r in standard),
        }
        say(f"  {'all the standard screens together [' + who + ']':58} p50 {total['p50']:7.1f} ms (sum of medians)")
        results.extend(standard)
        results.append(total)

    say("")
    say("load average (1, 5, 15 min) at the end: %.1f %.1f %.1f on %d CPUs" % (*os.getloadavg(), os.cpu_count()))
    say(f"{'measure':60}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'cpu py':>9}{'cpu pg':>9}")
    for r in results:
        p95 = f"{r['p95']:9.1f}" if r["p95"] is not None else f"{'':>9}"
        p99 = f"{r['p99']:9.1f}" if r["p99"] is not None else f"{'':>9}"
        say(f"{r['label']:60}{r['p50']:9.1f}{p95}{p99}{r['cpu_py']:9.1f}{r['cpu_pg']:9.1f}")


random.seed(1)
main()
CR.rollback()
