"""Caller identification benchmark: who is calling, among 500,000 clients?

Run it in an Odoo shell on a database that has crm_telephony installed (never on a production
database: it adds clients, sets the company's country to Russia and commits):

    ./crmctl shell --db tb_bench < bench/bench_caller_id.py

Settings (environment variables): BENCH_PARTNERS (500000), BENCH_LOOKUPS (2000), BENCH_ROUTE_REQUESTS (2000),
BENCH_SEED (1), BENCH_PHASE_SECONDS (time cap of each measuring phase, 300), BENCH_REBUILD (1: drop and rebuild
the clients), BENCH_SKIP_HTTP (1: no routing phase).

1. Builds the clients once (kept for the next runs): companies and their contacts in res_partner, 30 % with a
   second number, numbers unique and written the way people type them ("+7 915 111-22-33",
   "8 (915) 111-22-33", "79151112233", "+7 (915) 111 22 33 доб. 123", "8-915-111-22-33 ext. 45",
   "+49 30 1234567", "+1 (212) 555-0100", ...). Rows are generated in Python, sent with COPY and inserted with
   one INSERT ... SELECT per batch from a template partner created through the ORM (so every column an
   installed addon requires is filled as the ORM would). The E.164 keys are computed in the same batches by the
   addons' own function (``res.partner._crm_telephony_phone_key`` with the partner's country: crm_pipeline's
   phone_validation formatting completed by crm_telephony's rules) and inserted with the rows, so each row is
   written once; partners created through the ORM first check that the builder and the addons' compute agree.
   The ground truth (which number of which partner, in which format) goes into the scratch table
   ``bench_caller_id_number``. Progress is printed with the rate and the time left.
2. On a sample spread evenly over the formats (each number given the way a PBX sends it: +7..., 7..., 8... for
   Russian numbers, +CC... or 00CC... for foreign ones) plus 10 % unknown numbers that must match nothing, times
   in this process, taking turns on each lookup: ``crm.call._crm_identify_caller(number, pbx=...)`` as in a
   request (a new cursor, whose pooled connection Odoo resets, and an empty ORM cache) and as in the cron's batch
   (same cursor, warm cache), and stock Odoo's ``res.partner`` search (as in a request) on ``phone_mobile_search`` '=' with the E.164 number and 'ilike' with its last 10
   digits (trigram index): p50/p95/p99, recall per format, false matches, SQL queries and CPU (Python +
   PostgreSQL backend) per lookup.
3. Starts a server on 127.0.0.1 (threaded, as `-d DB` alone, then with --db-filter) and times the routing
   endpoint (signed GET /crm_telephony/route/<token>?number=) on the same sample, sequentially, after a warm-up;
   checks each answer (the manager's extension or the queue); CPU per request of the server and its backends.
"""

import csv
import io
import json
import os
import random
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import psutil
import psycopg2

import odoo
from odoo import Command

if "env" not in globals():
    sys.exit("Run me in an Odoo shell: ./crmctl shell --db DB < bench/bench_caller_id.py")

ENV = env  # noqa: F821

sys.path.insert(0, os.path.join(os.environ.get("CRMCTL_REPO", os.getcwd()), "bench"))
from benchlib import (  # noqa: E402
    HOST,
    cpu_reference,
    cpu_seconds,
    cpu_used,
    load,
    log_problems,
    percentile,
    say,
    signed_headers,
    start_server,
    stop_server,
)

N_PARTNERS = int(os.environ.get("BENCH_PARTNERS", "500000"))
N_LOOKUPS = int(os.environ.get("BENCH_LOOKUPS", "2000"))
N_ROUTE = int(os.environ.get("BENCH_ROUTE_REQUESTS", "2000"))
SEED = int(os.environ.get("BENCH_SEED", "1"))
PHASE_SECONDS = float(os.environ.get("BENCH_PHASE_SECONDS", "300"))
REBUILD = os.environ.get("BENCH_REBUILD") == "1"
SKIP_HTTP = os.environ.get("BENCH_SKIP_HTTP") == "1"
BLOCK = int(os.environ.get("BENCH_BLOCK", "50"))
PARAM = "crm_telephony.bench_caller_id"
TRUTH = "bench_caller_id_number"
COMPANY_SHARE = 0.4  # 40 % companies, 60 % contacts of those companies
SECOND_NUMBER_SHARE = 0.3
UNKNOWN_SHARE = 0.1  # of the lookups: numbers nobody has
MANAGERS = 10  # salespeople with an extension; 20 % of the clients have no responsible manager
BATCH = 20000
PBX = None
QUEUE_EXTENSION = "200"

# ---------------------------------------------------------------- numbers


def ru_mobile(k):
    """10 national digits 9XXXXXXXXX, a different number for each k < 10**9."""
    return f"9{(k * 387_420_489 + 104_729) % 10**9:09d}"


def seven_digits(k, salt):
    """7 digits starting with 2..9, a different number for each k < 8 * 10**6."""
    return str(2_000_000 + (k * 1_594_323 + salt) % 8_000_000)


def fmt_plus7_spaces(k, rnd):
    d = ru_mobile(k)
    return f"+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}"


def fmt_8_parens(k, rnd):
    d = ru_mobile(k)
    return f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"


def fmt_bare7(k, rnd):
    return "7" + ru_mobile(k)


def fmt_bare10(k, rnd):
    return ru_mobile(k)


def fmt_plus7_dob(k, rnd):
    d = ru_mobile(k)
    return f"+7 ({d[:3]}) {d[3:6]} {d[6:8]} {d[8:]} доб. {rnd.randint(1, 999)}"


def fmt_8_dash_ext(k, rnd):
    d = ru_mobile(k)
    return f"8-{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]} ext. {rnd.randint(1, 99)}"


def fmt_moscow_landline(k, rnd):
    d = seven_digits(k, 7_919)
    return f"+7 (495) {d[:3]}-{d[3:5]}-{d[5:]}"


def fmt_berlin(k, rnd):
    return f"+49 30 {seven_digits(k, 3_571)}"


def fmt_new_york(k, rnd):
    d = seven_digits(k, 1_231)
    return f"+1 (212) {d[:3]}-{d[3:]}"


def fmt_london(k, rnd):
    d = seven_digits(k, 9_973)
    return f"+44 20 7{d[:3]} {d[3:]}"


# name -> (share in %, country code of the partner, builder)
FORMATS = {
    "+7 915 111-22-33": (20, "RU", fmt_plus7_spaces),
    "8 (915) 111-22-33": (18, "RU", fmt_8_parens),
    "79151112233": (13, "RU", fmt_bare7),
    "9151112233": (5, "RU", fmt_bare10),
    "+7 (915) 111 22 33 доб. 123": (8, "RU", fmt_plus7_dob),
    "8-915-111-22-33 ext. 45": (8, "RU", fmt_8_dash_ext),
    "+7 (495) 123-45-67": (8, "RU", fmt_moscow_landline),
    "+49 30 1234567": (7, "DE", fmt_berlin),
    "+1 (212) 555-0100": (7, "US", fmt_new_york),
    "+44 20 7946 0958": (6, "GB", fmt_london),
}


def pbx_forms(e164):
    """The ways a PBX may hand us this number, for the lookups."""
    if e164.startswith("+7"):
        return [e164, e164[1:], "8" + e164[2:]]
    return [e164, "00" + e164[1:]]


# ---------------------------------------------------------------- helpers


class Progress:
    def __init__(self, label, total):
        self.label, self.total, self.start, self.last = label, total, time.monotonic(), 0.0

    def update(self, done, force=False):
        now = time.monotonic()
        if not force and now - self.last < 5 and done < self.total:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate else float("inf")
        say(f"  {self.label}: {done:,}/{self.total:,} ({100 * done / self.total:.0f} %), {rate:,.0f}/s, ETA {eta:.0f}s")


def stats_ms(seconds):
    return {q: percentile(seconds, q) * 1000 for q in (50, 95, 99)}


def copy_rows(cr, table, columns, rows):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow(["\\N" if value is None else value for value in row])
    buf.seek(0)
    cr._obj.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\t', NULL '\\N')", buf
    )


# ---------------------------------------------------------------- build


def country_ids():
    codes = {country for _share, country, _builder in FORMATS.values()}
    countries = ENV["res.country"].search([("code", "in", list(codes))])
    return {c.code: c for c in countries}


def normaliser():
    """The addons' normalisation of a written number (res.partner._compute_phone_e164 of crm_pipeline, completed
    by crm_telephony's _crm_telephony_phone_key), callable on a raw number and the partner's country."""
    partner = ENV["res.partner"]

    def e164(number, country):
        return partner._crm_telephony_phone_key(number, country) or None

    return e164


def bench_managers():
    """MANAGERS salespeople with an extension on the bench PBX; the PBX itself (queue QUEUE_EXTENSION)."""
    users = ENV["res.users"].search([("login", "=like", "bench_cid_sales_%")], order="login")
    if len(users) < MANAGERS:
        group = ENV.ref("crm_pipeline.group_crm_salesperson")
        users |= ENV["res.users"].create(
            [
                {
                    "name": f"Bench Manager {i:02d}",
                    "login": f"bench_cid_sales_{i:02d}",
                    "groups_id": [Command.set([group.id, ENV.ref("base.group_user").id])],
                }
                for i in range(len(users), MANAGERS)
            ]
        )
    team = ENV["crm.team"].search([("name", "=", "Bench caller ID team")], limit=1)
    if not team:
        ENV["crm.team"].create({"name": "Bench caller ID team", "member_ids": [Command.set(users.ids)]})
    pbx = ENV["crm.pbx"].search([("name", "=", "Bench caller ID PBX")], limit=1)
    if not pbx:
        pbx = ENV["crm.pbx"].create(
            {
                "name": "Bench caller ID PBX",
                "kind": "generic",
                "default_queue_extension": QUEUE_EXTENSION,
                "extension_ids": [
                    Command.create({"user_id": user.id, "extension": str(201 + i)}) for i, user in enumerate(users)
                ],
            }
        )
    return users, pbx


def check_builder_matches_addon(countries, e164):
    """Partners created through the ORM get the same keys as the builder computes."""
    rnd = random.Random(SEED)
    cr = ENV.cr
    cr.execute("SAVEPOINT bench_check")
    try:
        for k, (name, (_share, code, builder)) in enumerate(FORMATS.items()):
            raw = builder(10**8 + k, rnd)
            partner = ENV["res.partner"].create(
                {"name": f"Bench check {name}", "phone": raw, "mobile": raw, "country_id": countries[code].id}
            )
            partner.flush_recordset()
            expected = e164(raw, countries[code])
            if not expected or partner.phone_e164 != expected or partner.mobile_e164 != expected:
                raise RuntimeError(f"builder and addon disagree on {raw!r}: {expected!r} vs {partner.phone_e164!r}")
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT bench_check")
        ENV.invalidate_all()
    say(f"Builder check: the addon's compute gives the builder's E.164 keys for all {len(FORMATS)} formats.")


def drop_previous():
    state = ENV["ir.config_parameter"].sudo().get_param(PARAM)
    if not state:
        return
    state = json.loads(state)
    say(f"Removing the {state['partners']:,} clients of the previous build ...")
    ENV.cr.execute(f"DROP TABLE IF EXISTS {TRUTH}")
    ENV.cr.execute(
        "DELETE FROM res_partner WHERE id BETWEEN %s AND %s AND parent_id IS NOT NULL",
        (state["first_id"], state["last_id"]),
    )
    ENV.cr.execute("DELETE FROM res_partner WHERE id BETWEEN %s AND %s", (state["first_id"], state["last_id"]))
    ENV["ir.config_parameter"].sudo().set_param(PARAM, False)
    ENV.cr.commit()


def build(users):
    cr = ENV.cr
    countries = country_ids()
    e164 = normaliser()
    check_builder_matches_addon(countries, e164)

    template = ENV["res.partner"].create({"name": "Bench caller ID template", "is_company": True, "active": False})
    template.flush_recordset()
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner' ORDER BY ordinal_position"
    )
    all_columns = [row[0] for row in cr.fetchall()]
    own = [
        "id", "name", "complete_name", "parent_id", "commercial_partner_id", "is_company", "country_id", "phone",
        "mobile", "phone_e164", "mobile_e164", "phone_sanitized", "user_id", "commercial_company_name", "ref",
    ]  # fmt: skip
    forced = {
        "active": "TRUE", "type": "'contact'", "email": "NULL", "email_normalized": "NULL", "barcode": "NULL",
        "vat": "NULL", "create_date": "now() AT TIME ZONE 'UTC'", "write_date": "now() AT TIME ZONE 'UTC'",
        "customer_rank": "1", "company_name": "NULL",
    }  # fmt: skip
    select = ", ".join(f"s.{c}" if c in own else forced.get(c, f"t.{c}") for c in all_columns)
    cr.execute(
        """CREATE TEMP TABLE bench_partner_stage (
               id int, name varchar, complete_name varchar, parent_id int, commercial_partner_id int,
               is_company bool, country_id int, phone varchar, mobile varchar, phone_e164 varchar,
               mobile_e164 varchar, phone_sanitized varchar, user_id int, commercial_company_name varchar,
               ref varchar) ON COMMIT DROP"""
    )
    cr.execute(f"CREATE TABLE {TRUTH} (partner_id int, field varchar, fmt varchar, raw varchar, e164 varchar)")

    # Reserve the ids so that contacts can point at their company.
    cr.execute("SELECT nextval('res_partner_id_seq')")
    first_id = cr.fetchone()[0]
    cr.execute("SELECT setval('res_partner_id_seq', %s)", (first_id + N_PARTNERS,))
    last_id = first_id + N_PARTNERS - 1
    n_companies = int(N_PARTNERS * COMPANY_SHARE)

    rnd = random.Random(SEED)
    names, shares = list(FORMATS), [FORMATS[n][0] for n in FORMATS]
    by_country = {}
    for name, (_share, code, _builder) in FORMATS.items():
        by_country.setdefault(code, []).append(name)
    company_of = {}  # company id -> (name, user id)
    key = 0
    skipped = 0

    def number(fmt_name):
        nonlocal key, skipped
        _share, code, builder = FORMATS[fmt_name]
        while True:
            key += 1
            raw = builder(key, rnd)
            value = e164(raw, countries[code])
            if value:
                return raw, value
            skipped += 1

    say(f"Building {N_PARTNERS:,} clients ({n_companies:,} companies, {N_PARTNERS - n_companies:,} contacts) ...")
    progress = Progress("clients", N_PARTNERS)
    started = time.monotonic()
    for batch_start in range(0, N_PARTNERS, BATCH):
        stage, truth = [], []
        for i in range(batch_start, min(batch_start + BATCH, N_PARTNERS)):
            pid = first_id + i
            fmt_name = rnd.choices(names, shares)[0]
            code = FORMATS[fmt_name][1]
            phone, phone_key = number(fmt_name)
            mobile = mobile_key = None
            truth.append((pid, "phone", fmt_name, phone, phone_key))
            if rnd.random() < SECOND_NUMBER_SHARE:
                second = rnd.choice(by_country[code])
                mobile, mobile_key = number(second)
                truth.append((pid, "mobile", second, mobile, mobile_key))
            if i < n_companies:
                name = f"Bench Client {i:06d} LLC"
                user_id = users[i % MANAGERS].id if rnd.random() < 0.8 else None
                company_of[pid] = (name, user_id)
                stage.append(
                    (pid, name, name, None, pid, "t", countries[code].id, phone, mobile, phone_key, mobile_key,
                     mobile_key or phone_key, user_id, name, f"BENCH-{i}")
                )  # fmt: skip
            else:
                parent = first_id + rnd.randrange(n_companies)
                parent_name, user_id = company_of[parent]
                name = f"Bench Contact {i:06d}"
                stage.append(
                    (pid, name, f"{parent_name}, {name}", parent, parent, "f", countries[code].id, phone, mobile,
                     phone_key, mobile_key, mobile_key or phone_key, user_id, parent_name, f"BENCH-{i}")
                )  # fmt: skip
        copy_rows(cr, "bench_partner_stage", own, stage)
        copy_rows(cr, TRUTH, ["partner_id", "field", "fmt", "raw", "e164"], truth)
        cr.execute(
            f"""INSERT INTO res_partner ({", ".join(all_columns)})
                SELECT {select} FROM bench_partner_stage s, res_partner t WHERE t.id = %s ORDER BY s.id""",
            (template.id,),
        )
        cr.execute("TRUNCATE bench_partner_stage")
        progress.update(min(batch_start + BATCH, N_PARTNERS))
    progress.update(N_PARTNERS, force=True)
    cr.execute(f"CREATE INDEX ON {TRUTH} (fmt)")
    ENV["ir.config_parameter"].sudo().set_param(
        PARAM,
        json.dumps({"partners": N_PARTNERS, "seed": SEED, "first_id": first_id, "last_id": last_id, "last_key": key}),
    )
    cr.commit()
    say(f"Inserted in {time.monotonic() - started:.0f}s ({skipped} generated numbers rejected by phone_validation).")
    t0 = time.monotonic()
    cr.execute("ANALYZE res_partner")
    cr.execute(f"ANALYZE {TRUTH}")
    cr.commit()
    say(f"ANALYZE in {time.monotonic() - t0:.0f}s.")


# ---------------------------------------------------------------- sample


def sample():
    """Known numbers evenly over the formats (each given in one of its PBX forms) and unknown numbers."""
    state = json.loads(ENV["ir.config_parameter"].sudo().get_param(PARAM))
    cr = ENV.cr
    rnd = random.Random(SEED + 1)
    known = int(N_LOOKUPS * (1 - UNKNOWN_SHARE))
    per_format = max(1, known // len(FORMATS))
    lookups = []
    cr.execute("SELECT setseed(%s)", (0.5,))
    for fmt_name in FORMATS:
        cr.execute(
            f"""SELECT n.partner_id, n.fmt, n.raw, n.e164, p.commercial_partner_id
                  FROM {TRUTH} n JOIN res_partner p ON p.id = n.partner_id
                 WHERE n.fmt = %s ORDER BY random() LIMIT %s""",
            (fmt_name, per_format),
        )
        for partner_id, fmt, raw, e164, commercial_id in cr.fetchall():
            forms = pbx_forms(e164)
            lookups.append(
                {"fmt": fmt, "raw": raw, "e164": e164, "number": rnd.choice(forms), "partner_id": partner_id,
                 "commercial_id": commercial_id}
            )  # fmt: skip
    countries = country_ids()
    e164 = normaliser()
    key = state["last_key"] + 1000
    while len(lookups) < N_LOOKUPS:
        key += 1
        raw = fmt_plus7_spaces(key, rnd) if key % 2 else fmt_berlin(key, rnd)
        value = e164(raw, countries["RU"])
        if value:
            lookups.append(
                {"fmt": "unknown number", "raw": raw, "e164": value, "number": rnd.choice(pbx_forms(value)),
                 "partner_id": None, "commercial_id": None}
            )  # fmt: skip
    rnd.shuffle(lookups)
    return lookups


def managers_by_partner(lookups):
    ids = [lk["partner_id"] for lk in lookups if lk["partner_id"]]
    ENV.cr.execute("SELECT id, user_id FROM res_partner WHERE id = ANY(%s)", (ids,))
    return dict(ENV.cr.fetchall())


# ---------------------------------------------------------------- measure


def prewarm():
    """Read the tables the lookups use, with all their indexes, into the operating system's cache (pg_prewarm,
    'read' mode), so that every method meets the memory of a server that has answered calls all day rather than
    a disk that has just started: without it, which method happens to read a page first decides its p99."""
    cr = ENV.cr
    try:
        cr.execute("SAVEPOINT bench_prewarm")
        cr.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cr.execute("RELEASE SAVEPOINT bench_prewarm")
    except psycopg2.Error as exc:
        cr.execute("ROLLBACK TO SAVEPOINT bench_prewarm")
        say(f"No pg_prewarm ({str(exc).strip()}): the first lookups may read from disk.")
        return
    t0 = time.monotonic()
    cr.execute(
        """SELECT sum(pg_prewarm(c.oid, 'read')) * current_setting('block_size')::int
             FROM pg_class c
            WHERE c.oid IN ('res_partner'::regclass, 'crm_lead'::regclass)
               OR c.oid IN (SELECT indexrelid FROM pg_index
                             WHERE indrelid IN ('res_partner'::regclass, 'crm_lead'::regclass))"""
    )
    size = cr.fetchone()[0] or 0
    cr.commit()
    say(
        f"Prewarmed res_partner and crm_lead with their indexes: {size / 2**20:,.0f} MB in {time.monotonic() - t0:.1f}s."
    )


def measure(methods, lookups):
    """Time each method on each lookup; recall per format, false matches, SQL queries and CPU per lookup.

    The lookups go in rounds of BLOCK: in a round, each method runs the round's lookups one after the other, and
    the order of the methods turns from round to round, so that a change of load on the machine hits them alike
    while each runs as it would in production, lookup after lookup (alternating methods on every lookup puts
    four PostgreSQL backends in turn on two cores and times their wake-ups and cold CPU caches instead).

    A "cold" method runs each lookup as a request does: in a new cursor (Odoo resets the pooled connection it
    borrows, DISCARD ALL: no plan of a previous request is reused) with an empty ORM cache, after reading the
    PBX row (the controller has read it to check the signature). A warm one keeps the shell's cursor and cache,
    like the scheduled action processing a batch of events."""
    results = [
        {"label": m["label"], "times": [], "queries": [], "per_fmt": {}, "false": 0, "n": 0, "py": 0.0, "pg": 0.0}
        for m in methods
    ]
    deadline = time.monotonic() + PHASE_SECONDS * len(methods)
    for round_no, start in enumerate(range(0, len(lookups), BLOCK)):
        if time.monotonic() > deadline:
            say(f"  stopped at the time cap after {start} lookups")
            break
        block = lookups[start : start + BLOCK]
        order = list(range(len(methods)))
        order = order[round_no % len(order) :] + order[: round_no % len(order)]
        for index in order:
            method, res = methods[index], results[index]
            for lookup in block:
                if method["cold"]:
                    with ENV.registry.cursor() as cr:
                        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                        env["crm.pbx"].browse(PBX.id).read(["webhook_token", "hmac_secret", "company_id", "kind"])
                        found = time_lookup(env, method, lookup, res)
                else:
                    found = time_lookup(ENV, method, lookup, res)
                right, wrong = method["match"](lookup, found)
                hits, total = res["per_fmt"].get(lookup["fmt"], (0, 0))
                res["per_fmt"][lookup["fmt"]] = (hits + (1 if right else 0), total + 1)
                res["false"] += 1 if wrong else 0
        done = start + len(block)
        if done % 500 < BLOCK:
            say(f"  {done}/{len(lookups)} lookups ({load()})")
    for res in results:
        res["n"], res["ms"] = len(res["times"]), stats_ms(res["times"])
        res["sql"] = sum(res["queries"]) / max(len(res["queries"]), 1)
        res["cpu"] = (1000 * res["py"] / max(res["n"], 1), 1000 * res["pg"] / max(res["n"], 1))
    return results


def time_lookup(env, method, lookup, res):
    """Run one lookup in ``env``: its time, SQL queries and CPU (this process and its PostgreSQL backend)."""
    env.cr.execute("SELECT pg_backend_pid()")
    backend = psutil.Process(env.cr.fetchone()[0])
    queries, py0, pg0 = env.cr.sql_log_count, time.thread_time(), sum(backend.cpu_times()[:2])
    t0 = time.perf_counter()
    found = method["run"](env, lookup)
    res["times"].append(time.perf_counter() - t0)
    res["py"] += time.thread_time() - py0
    res["pg"] += sum(backend.cpu_times()[:2]) - pg0
    res["queries"].append(env.cr.sql_log_count - queries)
    return found


def identify_run(env, lookup):
    found = env["crm.call"].sudo()._crm_identify_caller(lookup["number"], pbx=env["crm.pbx"].browse(PBX.id))
    return found["partner"].id


def identify_match(lookup, partner_id):
    if not lookup["partner_id"]:
        return (not partner_id), bool(partner_id)
    right = partner_id == lookup["partner_id"]
    return right, bool(partner_id) and not right


def stock_eq_run(env, lookup):
    return env["res.partner"].search([("phone_mobile_search", "=", lookup["e164"])]).ids


def stock_ilike_run(env, lookup):
    return env["res.partner"].search([("phone_mobile_search", "ilike", re.sub(r"\D", "", lookup["e164"])[-10:])]).ids


def stock_match(lookup, ids):
    expected = lookup["partner_id"]
    if not expected:
        return not ids, bool(ids)
    return expected in ids, any(i != expected for i in ids)


# ---------------------------------------------------------------- routing over HTTP


def route_phase(lookups, pbx, managers, db_filter=False):
    token, secret = pbx.sudo().webhook_token, pbx.sudo().hmac_secret
    extension_of = {line.user_id.id: line.extension for line in pbx.extension_ids}
    suffix = "-dbfilter" if db_filter else ""
    log_path = os.path.join(os.getcwd(), ".crmctl", f"bench-caller-id-{ENV.cr.dbname}{suffix}-server.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    if os.path.exists(log_path):
        os.remove(log_path)
    say(f"Starting a server on {HOST} (log {log_path}) ...")
    # Odoo's threaded server, no cron: the requests are the only work
    server, port = start_server(ENV.cr.dbname, log_path, ["--workers=0", "--max-cron-threads=0"], db_filter)
    url = f"http://{HOST}:{port}"
    times, wrong, errors = [], 0, 0
    try:

        def call(number):
            query = urllib.parse.urlencode({"number": number})
            req = urllib.request.Request(
                f"{url}/crm_telephony/route/{token}?{query}",
                headers=signed_headers(secret, query.encode()),
                method="GET",
            )
            t0 = time.perf_counter()
            with urllib.request.urlopen(req, timeout=10) as resp:
                body = resp.read()
            return time.perf_counter() - t0, json.loads(body)

        for lookup in lookups[:50]:  # warm-up: registry, caches, code paths
            call(lookup["number"])
        cpu_start = cpu_seconds(ENV.cr, [server.pid], ENV.cr.dbname, [f"odoo-{server.pid}"])
        deadline = time.monotonic() + PHASE_SECONDS
        for lookup in (lookups * (N_ROUTE // len(lookups) + 1))[:N_ROUTE]:
            if time.monotonic() > deadline:
                say(f"  routing: stopped at the time cap after {len(times)} requests")
                break
            try:
                elapsed, answer = call(lookup["number"])
            except (urllib.error.URLError, ValueError) as exc:
                errors += 1
                say(f"  routing error for {lookup['number']}: {exc}")
                continue
            times.append(elapsed)
            user_id = managers.get(lookup["partner_id"]) if lookup["partner_id"] else None
            expected = extension_of.get(user_id) or QUEUE_EXTENSION
            if answer.get("extension") != expected:
                wrong += 1
        cpu_end = cpu_seconds(ENV.cr, [server.pid], ENV.cr.dbname, [f"odoo-{server.pid}"])
    finally:
        stop_server(server)
    n = max(len(times), 1)
    odoo_ms, pg_ms = (1000 * seconds / n for seconds in cpu_used(cpu_start, cpu_end))
    return {
        "n": len(times),
        "ms": stats_ms(times),
        "wrong": wrong,
        "errors": errors,
        "log": log_problems(log_path),
        "cpu": (odoo_ms, pg_ms),
    }


# ---------------------------------------------------------------- main


def main():
    started = time.monotonic()
    db = ENV.cr.dbname
    company = ENV.company
    russia = ENV.ref("base.ru")
    if company.country_id != russia:
        # The project's clients are Russian: national numbers (8 ...) are read as Russian ones.
        say(f"Setting the country of {company.name} to Russia (bench database {db}).")
        company.country_id = russia
    users, pbx = bench_managers()
    ENV.cr.commit()
    global PBX
    PBX = pbx

    state = ENV["ir.config_parameter"].sudo().get_param(PARAM)
    if state and (REBUILD or json.loads(state)["partners"] != N_PARTNERS or json.loads(state)["seed"] != SEED):
        drop_previous()
        state = None
    if state:
        say(f"Reusing the {N_PARTNERS:,} clients built before (BENCH_REBUILD=1 builds them anew).")
    else:
        build(users)
    ENV.cr.execute("SELECT count(*), count(mobile) FROM res_partner WHERE ref LIKE 'BENCH-%%'")
    n_partners, n_mobiles = ENV.cr.fetchone()
    say(f"{n_partners:,} bench clients, {n_mobiles:,} with a second number.")

    lookups = sample()
    managers = managers_by_partner(lookups)
    say(f"Sample: {len(lookups)} lookups over {len(FORMATS)} formats + unknown numbers.")

    prewarm()
    reference = cpu_reference()
    say(f"CPU reference: {reference:.2f}s for benchlib's fixed loop.")
    for lookup in lookups[:50]:  # warm-up: code paths, plans of the shell's connection
        identify_run(ENV, lookup)
        stock_ilike_run(ENV, lookup)
    results = measure(
        [
            {"label": "_crm_identify_caller, as in a request", "run": identify_run, "match": identify_match,
             "cold": True},
            {"label": "_crm_identify_caller, as in a cron batch", "run": identify_run, "match": identify_match,
             "cold": False},
            {"label": "stock phone_mobile_search '=' E.164", "run": stock_eq_run, "match": stock_match, "cold": True},
            {"label": "stock phone_mobile_search ilike 10 digits", "run": stock_ilike_run, "match": stock_match,
             "cold": True},
            {"label": "stock ilike 10 digits, as in a cron batch", "run": stock_ilike_run, "match": stock_match,
             "cold": False},
        ],
        lookups,
    )  # fmt: skip
    ENV.cr.rollback()
    routes = []
    if not SKIP_HTTP:
        routes.append(("routing over HTTP, server -d DB", route_phase(lookups, pbx, managers)))
        routes.append(("routing over HTTP, server --db-filter", route_phase(lookups, pbx, managers, db_filter=True)))

    print()
    print(f"Caller identification on {n_partners:,} clients ({n_mobiles:,} second numbers), {db}, {load()}")
    print(f"CPU reference (benchlib.cpu_reference): {reference:.2f}s before the lookups, {cpu_reference():.2f}s now")
    print(
        f"{'method':48} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'recall':>7} {'false':>6} {'SQL':>5} {'CPU ms':>7}"
    )
    for res in results:
        hits = sum(h for h, _t in res["per_fmt"].values())
        total = sum(t for _h, t in res["per_fmt"].values())
        ms = res["ms"]
        print(
            f"{res['label']:48} {res['n']:>5} {ms[50]:>8.3f} {ms[95]:>8.3f} {ms[99]:>8.3f}"
            f" {100 * hits / max(total, 1):>6.1f}% {res['false']:>6} {res['sql']:>5.1f} {sum(res['cpu']):>7.2f}"
        )
    for label, route in routes:
        ms = route["ms"]
        print(
            f"{label:48} {route['n']:>5} {ms[50]:>8.3f} {ms[95]:>8.3f}"
            f" {ms[99]:>8.3f}   wrong answers {route['wrong']}, errors {route['errors']}"
        )
    print()
    print("Recall per format (identify cold / identify warm / stock '=' / stock ilike cold / stock ilike warm):")
    for fmt in [*FORMATS, "unknown number"]:
        cells = []
        for res in results:
            hits, total = res["per_fmt"].get(fmt, (0, 0))
            cells.append(f"{100 * hits / max(total, 1):6.1f}% of {total:>3}")
        print(f"  {fmt:30} " + "   ".join(cells))
    print()
    for ours, stock, context in ((results[1], results[4], "in a cron batch"), (results[0], results[3], "in a request")):
        print(
            f"identify {context}: p99 {ours['ms'][99]:.3f} ms (target <= 1 ms), stock full-recall search (ilike)"
            f" p99 {stock['ms'][99]:.3f} ms: {stock['ms'][99] / ours['ms'][99]:.1f}x (p50 {ours['ms'][50]:.3f} vs"
            f" {stock['ms'][50]:.3f} ms: {stock['ms'][50] / ours['ms'][50]:.1f}x); CPU per lookup (Python +"
            f" PostgreSQL) {sum(ours['cpu']):.2f} ms = {ours['cpu'][0]:.2f} + {ours['cpu'][1]:.2f} vs stock"
            f" {sum(stock['cpu']):.2f} ms = {stock['cpu'][0]:.2f} + {stock['cpu'][1]:.2f}"
        )
    for label, route in routes:
        odoo_ms, pg_ms = route["cpu"]
        print(
            f"{label}: p99 {route['ms'][99]:.3f} ms (target <= 10 ms); CPU per request {odoo_ms + pg_ms:.1f} ms"
            f" (Odoo {odoo_ms:.1f} + PostgreSQL {pg_ms:.1f}, not counting a new backend per request)"
        )
        print(
            f"  server log: {len(route['log'])} WARNING/ERROR lines"
            + "".join(f"\n  {line}" for line in route["log"][:10])
        )
    print(f"total time {time.monotonic() - started:.0f}s")


main()
