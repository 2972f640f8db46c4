"""Client portrait benchmark: res.partner._crm_portrait_data() of a big client in a big database.

Run it in an Odoo shell on a database that has crm_pipeline installed with Odoo's demo data (never on a
production database: it adds data and commits):

    ./crmctl shell --db pt_bench < bench/bench_portrait.py

Settings (environment variables): BENCH_RUNS (50 timed runs per measure), BENCH_SCALE (1.0: multiplies the
background volume below), BENCH_EXPLAIN (1: print EXPLAIN (ANALYZE, BUFFERS) of each query of the portrait).

1. Builds once (kept for the next runs; found again by the client's name):
   * a background of other clients and their history, so that every table the portrait reads is big and
     the client's rows must be found through indexes: 500,000 client companies (with an industry and an
     ABC class), 1,000,000 confirmed sale orders with 2,000,000 lines, 500,000 posted invoices (their
     receivable instalment and a product line: 1,000,000 journal items), 400,000 reconciliations,
     300,000 deals, 1,000,000 e-mails from clients, 50,000 complaints (x BENCH_SCALE);
   * the client "Bench Portrait Client" (a company and 5 contacts) with 2,000 orders of 3 lines over three
     years, 1,500 invoices (1,300 paid, a part of them late, 200 overdue), 200 deals, 300 e-mails and
     50 complaints.
   Each kind is first made once through the ORM with Odoo's business flow (quotation -> confirmed order
   -> posted invoice -> registered payment, a deal, an e-mail, a complaint); the bulk rows are copies of
   those records made with one INSERT ... SELECT per table (every column copied from the template, so
   each row is what the ORM wrote, with its own name, partner, dates and amounts).
2. Rebuilds the statistics of similar clients' purchases (the daily job) and times it.
3. Times the portrait (server time in this process, the ORM cache emptied before each run) of the big
   client and of a background client, counting the queries.
"""

import os
import statistics
import sys
import time
from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.tools import SQL

if "env" not in globals():  # the Odoo shell provides `env`
    sys.exit("Run me in an Odoo shell: ./crmctl shell --db DB < bench/bench_portrait.py")

ENV = env  # noqa: F821
CR = ENV.cr
RUNS = int(os.environ.get("BENCH_RUNS", "50"))
SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
EXPLAIN = os.environ.get("BENCH_EXPLAIN") == "1"
CLIENT_NAME = "Bench Portrait Client"
NOW = datetime.combine(fields.Date.today(), datetime.min.time()) + timedelta(hours=12)
SPAN_MINUTES = 3 * 365 * 24 * 60  # histories spread over three years before NOW

BACKGROUND = {
    "clients": 500_000,
    "orders": 1_000_000,  # 2 lines each
    "invoices": 500_000,
    "paid": 400_000,
    "leads": 300_000,
    "emails": 1_000_000,
    "complaints": 50_000,
}
CLIENT = {"orders": 2000, "invoices": 1500, "paid": 1300, "leads": 200, "emails": 300, "complaints": 50}
LINES_PER_ORDER = {"background": 2, "client": 3}


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


def clone(table, template_id, source, overrides):
    """Copy row ``template_id`` of ``table`` once per row of ``source`` (SQL: a FROM item aliased ``g``
    with a column ``n`` numbering the copies from 1) in one INSERT ... SELECT; ``overrides`` maps a
    column to an SQL expression over ``g`` and ``t`` (the template row). Returns the new ids in order."""
    cols = columns(table)
    unknown = set(overrides) - set(cols)
    assert not unknown, (table, unknown)
    exprs = [overrides.get(col, SQL.identifier("t", col)) for col in cols]
    rows = ENV.execute_query(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s t, %s WHERE t.id = %s ORDER BY g.n RETURNING id",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(col) for col in cols),
            SQL(", ").join(exprs),
            SQL.identifier(table),
            source,
            template_id,
        )
    )
    return [row[0] for row in rows]


def series(count):
    return SQL("(SELECT n FROM generate_series(1, %s) n) g", count)


def ids_source(ids):
    """A FROM item over ``ids``: g.id, g.n (1..len)."""
    return SQL("unnest(%s::int[]) WITH ORDINALITY AS g(id, n)", list(ids))


def pick(ids, salt=0, column="n"):
    """SQL: an element of ``ids`` chosen by g.<column> (deterministic); contiguous ids (the background
    clients, made by one INSERT) are picked by arithmetic instead of a huge array literal."""
    ids = list(ids)
    choice = SQL("mod(%s::bigint * 7919 + %s, %s)", SQL.identifier("g", column), salt, len(ids))
    if ids == list(range(ids[0], ids[0] + len(ids))):
        return SQL("(%s + %s)::int", ids[0], choice)
    return SQL("(%s::int[])[1 + %s]", ids, choice)


def spread(salt=0, minutes=SPAN_MINUTES):
    """SQL: a timestamp in the ``minutes`` before NOW, spread by g.n."""
    return SQL("(%s::timestamp - make_interval(mins => mod(g.n::bigint * 104729 + %s, %s)::int))", NOW, salt, minutes)


def timed(label, fn, runs=RUNS):
    fn()
    samples, queries = [], 0
    for _index in range(runs):
        ENV.invalidate_all()
        before = CR.sql_log_count
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        queries = CR.sql_log_count - before
    samples.sort()

    def pct(p):
        return samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))]

    say(
        f"  {label:52} p50 {statistics.median(samples):7.1f}  p95 {pct(95):7.1f}  p99 {pct(99):7.1f} ms"
        f"  ({queries} queries)"
    )


# ---------------------------------------------------------------- templates through the ORM


def build_templates(client, contacts, user):
    say("  templates through the ORM (order, invoice, payment, deal, e-mail, complaint) ...")
    env = ENV
    categories = env["product.category"].create([{"name": f"Bench Category {i}"} for i in range(12)])
    products = env["product.product"].create(
        [
            {
                "name": f"Bench Product {i}",
                "type": "consu",
                "categ_id": categories[i % len(categories)].id,
                "list_price": 100.0 + i,
                "standard_price": 60.0 + i,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
            for i in range(36)
        ]
    )
    order = env["sale.order"].create(
        {
            "partner_id": contacts[0].id,
            "user_id": user.id,
            "order_line": [Command.create({"product_id": products[0].id, "product_uom_qty": 3.0, "tax_id": False})],
        }
    )
    order.action_confirm()
    invoice = order._create_invoices()
    invoice.write({"invoice_payment_term_id": env.ref("account.account_payment_term_30days").id})
    invoice.action_post()
    env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
        {}
    )._create_payments()
    term_line = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
    product_line = invoice.line_ids.filtered(lambda line: line.display_type == "product")
    partial = env["account.partial.reconcile"].search([("debit_move_id", "=", term_line.id)], limit=1)
    lead = env["crm.lead"].create({"name": "Bench deal", "type": "opportunity", "partner_id": client.id})
    email = client.message_post(body="<p>Price list please</p>", message_type="email", author_id=contacts[0].id)
    complaint = env["crm.complaint"].create(
        {"partner_id": client.id, "category_id": env.ref("crm_pipeline.crm_complaint_category_quality").id}
    )
    env.flush_all()
    return {
        "order": order.id,
        "line": order.order_line.id,
        "invoice": invoice.id,
        "term_line": term_line.id,
        "product_line": product_line.id,
        "partial": partial.id,
        "lead": lead.id,
        "email": email.id,
        "complaint": complaint.id,
        "products": products.ids,
        "industries": env["res.partner.industry"].search([]).ids,
    }


# ---------------------------------------------------------------- bulk copies


def bulk_history(tpl, partners, counts, prefix, lines_per_order, salt=0):
    """Copies of the templates for ``partners`` (list of commercial partner ids, or the client's partner
    ids): orders with their lines, invoices with their instalment and product line, reconciliations,
    deals, e-mails and complaints."""
    n = counts
    made = {}
    start = time.monotonic()
    made["orders"] = clone(
        "sale_order",
        tpl["order"],
        series(n["orders"]),
        {
            "name": SQL("%s || 'SO' || g.n", prefix),
            "partner_id": pick(partners, salt + 1),
            "partner_invoice_id": pick(partners, salt + 1),
            "partner_shipping_id": pick(partners, salt + 1),
            "state": SQL("'sale'"),
            "date_order": spread(salt + 3),
            "opportunity_id": SQL("NULL"),
            "access_token": SQL("NULL"),
        },
    )
    products = tpl["products"]
    for index in range(lines_per_order):
        clone(
            "sale_order_line",
            tpl["line"],
            SQL(
                "(SELECT so.id, so.partner_id, ROW_NUMBER() OVER (ORDER BY so.id) AS n FROM sale_order so"
                " WHERE so.id = ANY(%s)) g",
                made["orders"],
            ),
            {
                "order_id": SQL("g.id"),
                "order_partner_id": SQL("g.partner_id"),
                "product_id": SQL(
                    "(%s::int[])[1 + mod(g.n * 31 + %s + g.partner_id, %s)]", products, index * 5, len(products)
                ),
                "product_uom_qty": SQL("1 + mod(g.n, 20)"),
                "price_subtotal": SQL("(1 + mod(g.n, 20)) * t.price_unit"),
                "price_total": SQL("(1 + mod(g.n, 20)) * t.price_unit"),
            },
        )
    say(f"    orders and lines: {len(made['orders'])} x {lines_per_order} in {time.monotonic() - start:.1f} s")
    start = time.monotonic()
    invoices = clone(
        "account_move",
        tpl["invoice"],
        series(n["invoices"]),
        {
            "name": SQL("%s || 'INV' || g.n", prefix),
            "partner_id": pick(partners, salt + 7),
            "commercial_partner_id": pick(partners, salt + 7),
            "invoice_date": SQL("(%s)::date", spread(salt + 9)),
            "date": SQL("(%s)::date", spread(salt + 9)),
            "invoice_date_due": SQL("(%s)::date + 30", spread(salt + 9)),
            "payment_state": SQL("CASE WHEN g.n <= %s THEN 'paid' ELSE 'not_paid' END", n["paid"]),
            "inalterable_hash": SQL("NULL"),
            "secure_sequence_number": SQL("NULL"),
            "sequence_number": SQL("g.n"),
            "sequence_prefix": SQL("%s || 'INV'", prefix),
            "access_token": SQL("NULL"),
        },
    )
    moves = SQL(
        "(SELECT m.id, m.commercial_partner_id, m.invoice_date, m.invoice_date_due, m.payment_state,"
        " ROW_NUMBER() OVER (ORDER BY m.id) AS n FROM account_move m WHERE m.id = ANY(%s)) g",
        invoices,
    )
    terms = clone(
        "account_move_line",
        tpl["term_line"],
        moves,
        {
            "move_id": SQL("g.id"),
            "move_name": SQL("%s || 'INV' || g.n", prefix),
            "partner_id": SQL("g.commercial_partner_id"),
            "date": SQL("g.invoice_date"),
            "invoice_date": SQL("g.invoice_date"),
            "date_maturity": SQL("g.invoice_date_due"),
            "amount_residual": SQL("CASE WHEN g.payment_state = 'paid' THEN 0 ELSE t.balance END"),
            "amount_residual_currency": SQL("CASE WHEN g.payment_state = 'paid' THEN 0 ELSE t.amount_currency END"),
            "reconciled": SQL("g.payment_state = 'paid'"),
            "full_reconcile_id": SQL("NULL"),
            "matching_number": SQL("NULL"),
        },
    )
    clone(
        "account_move_line",
        tpl["product_line"],
        moves,
        {
            "move_id": SQL("g.id"),
            "move_name": SQL("%s || 'INV' || g.n", prefix),
            "partner_id": SQL("g.commercial_partner_id"),
            "date": SQL("g.invoice_date"),
            "invoice_date": SQL("g.invoice_date"),
        },
    )
    # reconciliations of the paid invoices' instalments: paid from 25 days early to 45 days late
    clone(
        "account_partial_reconcile",
        tpl["partial"],
        SQL(
            "(SELECT l.id, l.date_maturity, ROW_NUMBER() OVER (ORDER BY l.id) AS n FROM account_move_line l"
            " WHERE l.id = ANY(%s) AND l.reconciled) g",
            terms,
        ),
        {
            "debit_move_id": SQL("g.id"),
            "full_reconcile_id": SQL("NULL"),
            "max_date": SQL("g.date_maturity + (mod(g.n * 13, 71) - 25)::int"),
        },
    )
    say(f"    invoices, journal items, reconciliations: {len(invoices)} in {time.monotonic() - start:.1f} s")
    start = time.monotonic()
    clone(
        "crm_lead",
        tpl["lead"],
        series(n["leads"]),
        {
            "name": SQL("%s || 'Deal ' || g.n", prefix),
            "partner_id": pick(partners, salt + 14),
            "create_date": spread(salt + 16),
            "email_normalized": SQL("NULL"),
            "phone_sanitized": SQL("NULL"),
            "active": SQL("mod(g.n, 10) != 0"),
        },
    )
    clone(
        "mail_message",
        tpl["email"],
        series(n["emails"]),
        {
            "res_id": pick(partners, salt + 17),
            "author_id": pick(partners, salt + 19),
            "date": spread(salt + 18),
            "message_id": SQL("md5(g.n::text || %s)", prefix),
        },
    )
    clone(
        "crm_complaint",
        tpl["complaint"],
        series(n["complaints"]),
        {
            "name": SQL("%s || 'CMP' || g.n", prefix),
            "partner_id": pick(partners, salt + 21),
            "commercial_partner_id": pick(partners, salt + 21),
            "create_date": spread(salt + 22),
            "state": SQL("(ARRAY['new', 'in_progress', 'resolved', 'rejected'])[1 + mod(g.n, 4)]"),
            "resolution": SQL("'Settled'"),
        },
    )
    say(f"    deals, e-mails, complaints in {time.monotonic() - start:.1f} s")
    return made


def build():
    client = ENV["res.partner"].create({"name": CLIENT_NAME, "is_company": True, "email": "bench@portrait.example"})
    contacts = ENV["res.partner"].create(
        [{"name": f"Portrait Contact {i}", "parent_id": client.id, "email": f"p{i}@portrait.example"} for i in range(5)]
    )
    tpl = build_templates(client, contacts, ENV.user)
    say("  the client's history ...")
    # the client's documents are the commercial partner's (journal items) or any of its partners' (orders, ...)
    bulk_history(tpl, [client.id, *contacts.ids], CLIENT, "BPC/", LINES_PER_ORDER["client"])
    CR.execute(SQL("UPDATE account_move_line SET partner_id = %s WHERE move_name LIKE %s", client.id, "BPC/%"))
    bg = {key: int(value * SCALE) for key, value in BACKGROUND.items()}
    say(f"  background x{SCALE}: {bg['clients']} clients ...")
    start = time.monotonic()
    industries = tpl["industries"]
    others = clone(
        "res_partner",
        client.id,
        series(bg["clients"]),
        {
            "name": SQL("'Portrait background ' || g.n"),
            "complete_name": SQL("'Portrait background ' || g.n"),
            "email": SQL("'pbg' || g.n || '@example.com'"),
            "email_normalized": SQL("'pbg' || g.n || '@example.com'"),
            "commercial_partner_id": SQL("NULL"),
            "industry_id": SQL("(%s::int[])[1 + mod(g.n, %s)]", industries, len(industries)),
            "crm_abc_class": SQL("(ARRAY['A', 'B', 'C', 'C', 'C'])[1 + mod(g.n, 5)]"),
        },
    )
    CR.execute(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", others))
    say(f"    clients in {time.monotonic() - start:.1f} s")
    # the history in parts of 100,000 orders, each with its share of the other documents, committed one by one
    parts = max(1, -(-bg["orders"] // 100_000))
    for part in range(parts):
        counts = {key: bg[key] // parts for key in CLIENT}
        bulk_history(tpl, others, counts, f"BPG{part}/", LINES_PER_ORDER["background"], salt=part * 1000)
        ENV.cr.commit()
        say(f"    background part {part + 1}/{parts} committed ({time.monotonic() - start:.0f} s)")
    CR.execute(
        SQL("UPDATE res_partner SET industry_id = %s, crm_abc_class = 'A' WHERE id = %s", industries[0], client.id)
    )
    ENV.invalidate_all()
    return client


def explain(client):
    """EXPLAIN (ANALYZE, BUFFERS) of each query the portrait runs."""
    recorded = []
    execute = type(CR).execute

    def recording(cursor, query, params=None, log_exceptions=True):
        recorded.append((query, params))
        return execute(cursor, query, params, log_exceptions)

    type(CR).execute = recording
    try:
        ENV.invalidate_all()
        client._crm_portrait_data()
    finally:
        type(CR).execute = execute
    for query, params in recorded:
        if isinstance(query, SQL):
            query, params = query.code, query.params
        if (
            "crm_portrait" not in query
            and "res_partner" not in query
            and "sale_order" not in query
            and ("account_move" not in query and "crm_lead" not in query and "crm_partner_segment" not in query)
        ):
            continue
        say("-" * 100)
        say(query.strip())
        CR.execute("EXPLAIN (ANALYZE, BUFFERS) " + query, params)
        for (line,) in CR.fetchall():
            say("    " + line)


def main():
    client = ENV["res.partner"].search([("name", "=", CLIENT_NAME)], limit=1)
    if not client:
        say("Building the data (once) ...")
        start = time.monotonic()
        client = build()
        ENV.cr.commit()
        say(f"  built in {time.monotonic() - start:.0f} s")
    for table in (
        "res_partner",
        "sale_order",
        "sale_order_line",
        "account_move",
        "account_move_line",
        "account_partial_reconcile",
        "crm_lead",
        "mail_message",
        "crm_complaint",
    ):
        CR.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    CR.execute(
        "SELECT reltuples::bigint, relname FROM pg_class WHERE relname IN %s ORDER BY relname",
        [
            (
                "res_partner",
                "sale_order",
                "sale_order_line",
                "account_move",
                "account_move_line",
                "account_partial_reconcile",
                "crm_lead",
                "mail_message",
                "crm_complaint",
            )
        ],
    )
    say("Rows: " + ", ".join(f"{name} {count}" for count, name in CR.fetchall()))
    start = time.monotonic()
    ENV["crm.portrait.offer.stat"]._crm_refresh()
    say(
        f"Statistics of similar clients rebuilt in {time.monotonic() - start:.1f} s "
        f"({ENV['crm.portrait.offer.stat'].search_count([])} rows)"
    )
    ENV.cr.commit()
    background = ENV["res.partner"].search([("name", "=", "Portrait background 4242")], limit=1)
    data = client._crm_portrait_data()
    say(
        f"Client: {data['sales']['order_count']} orders, revenue {data['sales']['revenue']:.0f}, "
        f"{data['payment']['paid_invoice_count']} invoices paid in 12 months "
        f"({data['payment']['average_days_late']} days late on average), {len(data['offers']['items'])} offers"
    )
    say(f"Portrait timings over {RUNS} runs (server side, cold ORM cache):")
    timed("big client (2,000 orders, 1,500 invoices)", client._crm_portrait_data)
    if background:
        timed("background client", background._crm_portrait_data)
    if EXPLAIN:
        explain(client)


main()
