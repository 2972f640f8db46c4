"""PBX intake benchmark: signed webhook events posted over HTTP by concurrent clients.

Run it in an Odoo shell on a database that has crm_telephony installed (never on a production
database: it adds a PBX, clients and calls and commits):

    ./crmctl shell --db tb_bench < bench/bench_intake.py

Settings (environment variables): BENCH_EVENTS (10000), BENCH_CLIENTS (8 concurrent senders), BENCH_WORKERS
(HTTP workers of the server, 2 x CPUs + 1 as Odoo's deployment guide advises; 0 = Odoo's threaded server), BENCH_SEED (1), BENCH_SEND_SECONDS (cap of the sending phase, 300),
BENCH_PROCESS_SECONDS (cap of the wait for processing, 900), BENCH_DB_FILTER (1: start the server with --db-filter).

1. Prepares a generic PBX with extensions for 10 managers and the callers' numbers: 90 % of the calls come from
   known clients (the clients of bench_caller_id.py when they exist, else 300 created here), 10 % from 200
   unknown numbers (each gives a lead in the pool, once per number and day).
2. Plans full call sequences: 70 % answered (start, answer, end with talk seconds, a recording for 60 % of them),
   20 % missed and 10 % busy (start, end); 80 % incoming, 20 % outgoing. Each event is its own request, signed
   like the generic protocol says (X-Crm-Timestamp, X-Crm-Signature = hex HMAC-SHA256 of "<timestamp>.<body>"),
   with an explicit event_id.
3. Starts a server on 127.0.0.1 (prefork with BENCH_WORKERS HTTP workers and one cron worker) and posts the events
   from BENCH_CLIENTS processes, each interleaving a few of its calls, one new connection per request: events/s and
   acknowledgement latency p50/p95/p99. The webhook acknowledges once the events are journaled; the "Telephony:
   process PBX events" scheduled action, woken by the webhook, applies them to the calls meanwhile.
4. Waits for the journal to be processed (progress with rate and ETA) and verifies that nothing was lost or
   doubled: journal rows = events sent, calls = call ids sent, every event processed, and each call's final
   state, wait and talk seconds as planned.
"""

import http.client
import json
import multiprocessing
import os
import random
import re
import sys
import time
import uuid
from queue import Empty

from odoo import Command

if "env" not in globals():
    sys.exit("Run me in an Odoo shell: ./crmctl shell --db DB < bench/bench_intake.py")

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

N_EVENTS = int(os.environ.get("BENCH_EVENTS", "10000"))
N_CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
SEED = int(os.environ.get("BENCH_SEED", "1"))
SEND_SECONDS = float(os.environ.get("BENCH_SEND_SECONDS", "300"))
PROCESS_SECONDS = float(os.environ.get("BENCH_PROCESS_SECONDS", "900"))
DB_FILTER = os.environ.get("BENCH_DB_FILTER") == "1"
MANAGERS = 10
ACTIVE_CALLS_PER_CLIENT = 4
REQUEST_TIMEOUT = 30


# ---------------------------------------------------------------- setup


def prepare():
    """The PBX, its managers and the callers' numbers (known clients, unknown numbers)."""
    users = ENV["res.users"].search([("login", "=like", "bench_intake_sales_%")], order="login")
    if len(users) < MANAGERS:
        group = ENV.ref("crm_pipeline.group_crm_salesperson")
        users |= ENV["res.users"].create(
            [
                {
                    "name": f"Bench Intake Manager {i:02d}",
                    "login": f"bench_intake_sales_{i:02d}",
                    "groups_id": [Command.set([group.id, ENV.ref("base.group_user").id])],
                }
                for i in range(len(users), MANAGERS)
            ]
        )
    if not ENV["crm.team"].search_count([("name", "=", "Bench intake team")]):
        ENV["crm.team"].create({"name": "Bench intake team", "member_ids": [Command.set(users.ids)]})
    pbx = ENV["crm.pbx"].search([("name", "=", "Bench intake PBX")], limit=1)
    if not pbx:
        pbx = ENV["crm.pbx"].create(
            {
                "name": "Bench intake PBX",
                "kind": "generic",
                "default_queue_extension": "300",
                "extension_ids": [
                    Command.create({"user_id": user.id, "extension": str(301 + i)}) for i, user in enumerate(users)
                ],
            }
        )
    extensions = [line.extension for line in pbx.extension_ids]

    rnd = random.Random(SEED)
    ENV.cr.execute("SELECT to_regclass('bench_caller_id_number')")
    if ENV.cr.fetchone()[0]:
        ENV.cr.execute("SELECT setseed(0.25)")
        ENV.cr.execute("SELECT e164 FROM bench_caller_id_number ORDER BY random() LIMIT 2000")
        known = [row[0] for row in ENV.cr.fetchall()]
        say(f"Callers: {len(known)} numbers of the bench_caller_id.py clients.")
    else:
        partners = ENV["res.partner"].search([("ref", "=like", "BENCH-INTAKE-%")])
        if len(partners) < 300:
            partners |= ENV["res.partner"].create(
                [
                    {
                        "name": f"Bench Intake Client {i:03d}",
                        "is_company": True,
                        "ref": f"BENCH-INTAKE-{i:03d}",
                        "phone": f"+7 916 {i:03d}-{rnd.randrange(100):02d}-{rnd.randrange(100):02d}",
                        "user_id": users[i % MANAGERS].id if i % 5 else False,
                    }
                    for i in range(len(partners), 300)
                ]
            )
        known = [p.phone_e164 for p in partners if p.phone_e164]
        say(f"Callers: {len(known)} clients created for this benchmark.")
    ENV.cr.execute(
        "SELECT phone_e164 FROM res_partner WHERE phone_e164 LIKE '+7977%%' UNION SELECT mobile_e164 FROM res_partner"
        " WHERE mobile_e164 LIKE '+7977%%'"
    )
    taken = {row[0] for row in ENV.cr.fetchall()}
    unknown = sorted({f"+7977{rnd.randrange(10**7):07d}" for _i in range(400)} - taken)[:200]
    ENV.cr.commit()
    return pbx, extensions, known, unknown


def plan(run_id, extensions, known, unknown):
    """Calls (each a list of events in their natural order) adding up to N_EVENTS events, and the expected
    final state of each call."""
    rnd = random.Random(SEED)
    calls, expected, total = [], {}, 0
    base = time.time()
    i = 0
    while total < N_EVENTS:
        call_id = f"{run_id}-{i:06d}"
        number = rnd.choice(unknown) if rnd.random() < 0.1 else rnd.choice(known)
        direction = "out" if rnd.random() < 0.2 else "in"
        extension = rnd.choice(extensions)
        start = round(base + i * 0.05, 3)
        common = {"call_id": call_id, "direction": direction}
        events = [{"event": "start", "number": number[1:], "extension": extension, "timestamp": start, **common}]
        outcome = rnd.choices(["answered", "missed", "busy"], [70, 20, 10])[0]
        if outcome == "answered":
            wait, talk = rnd.randint(2, 30), rnd.randint(5, 900)
            events.append({"event": "answer", "extension": extension, "timestamp": start + wait, **common})
            events.append(
                {"event": "end", "state": "answered", "timestamp": start + wait + talk, "talk_seconds": talk, **common}
            )
            if rnd.random() < 0.6:
                url = f"https://pbx.example.com/records/{call_id}.mp3"
                events.append(
                    {"event": "recording", "recording_url": url, "timestamp": start + wait + talk + 1, **common}
                )
            expected[call_id] = ("answered", wait, talk)
        else:
            ring = rnd.randint(3, 40)
            events.append({"event": "end", "state": outcome, "timestamp": start + ring, **common})
            expected[call_id] = (outcome, ring, 0)
        for event in events:
            event["event_id"] = f"{call_id}:{event['event']}"
        calls.append(events)
        total += len(events)
        i += 1
    return calls, expected, total


# ---------------------------------------------------------------- server


def worker_pids(log_path):
    """{"http": [...], "cron": [...]} pids of the server's workers, as the server logged them."""
    pids = {"http": [], "cron": []}
    pattern = re.compile(r"Worker Worker(HTTP|Cron) \((\d+)\) alive")
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            match = pattern.search(line)
            if match:
                pids["http" if match.group(1) == "HTTP" else "cron"].append(int(match.group(2)))
    return pids


# ---------------------------------------------------------------- send


def send_all(port, token, secret, calls):
    """Post every event from N_CLIENTS processes; [(latency s, status, new, call id)] and the wall time.

    Processes, not threads: the clients stand for separate PBX connections, and threads of this (Odoo shell)
    process would queue on its interpreter lock and measure that lock rather than the server. They are forked
    from this process and only speak HTTP; a forked child ends with os._exit (multiprocessing's), so the
    database connections it inherited are never closed or used by it."""
    path = f"/crm_telephony/webhook/{token}"
    per_client = [calls[i::N_CLIENTS] for i in range(N_CLIENTS)]
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(N_CLIENTS + 1)
    stop = ctx.Event()
    sent = ctx.Value("i", 0)
    queue = ctx.Queue()
    deadline_after = SEND_SECONDS

    def client(index):
        rnd = random.Random(SEED * 1000 + index)
        waiting = [list(events) for events in per_client[index]]
        waiting.reverse()
        active = []
        out = []
        cpu0 = time.process_time()
        barrier.wait()
        deadline = time.monotonic() + deadline_after
        while (waiting or active) and not stop.is_set():
            if time.monotonic() > deadline:
                stop.set()
                break
            while waiting and len(active) < ACTIVE_CALLS_PER_CLIENT:
                active.append(waiting.pop())
            events = rnd.choice(active)
            event = events.pop(0)
            if not events:
                active.remove(events)
            body = json.dumps(event).encode()
            conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
            t0 = time.perf_counter()
            try:
                conn.request(
                    "POST",
                    path,
                    body=body,
                    headers={"Content-Type": "application/json", **signed_headers(secret, body)},
                )
                response = conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - t0
                new = json.loads(data).get("new", 0) if response.status == 200 else 0
                out.append((elapsed, response.status, new, event["call_id"]))
            except (OSError, http.client.HTTPException, ValueError) as error:
                out.append((time.perf_counter() - t0, repr(error), 0, event["call_id"]))
            finally:
                conn.close()
            with sent.get_lock():
                sent.value += 1
        queue.put((out, time.process_time() - cpu0))

    processes = [ctx.Process(target=client, args=(i,), daemon=True) for i in range(N_CLIENTS)]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.monotonic()
    last = started
    results, client_cpu = [], 0.0
    while len(results) < len(processes):
        try:
            out, cpu = queue.get(timeout=1)
            results.append(out)
            client_cpu += cpu
        except Empty:
            pass
        now = time.monotonic()
        if now - last >= 5:
            last = now
            done = sent.value
            rate = done / (now - started)
            say(
                f"  sent {done:,}/{N_EVENTS:,} events, {rate:,.0f}/s, ETA {(N_EVENTS - done) / max(rate, 1e-9):.0f}s ({load()})"
            )
        if now > started + SEND_SECONDS + REQUEST_TIMEOUT + 5:
            stop.set()
        if len(results) < len(processes) and not any(process.is_alive() for process in processes) and queue.empty():
            break
    wall = time.monotonic() - started
    for process in processes:
        process.join(10)
    rows = [row for rows in results for row in rows]
    say(f"  the {N_CLIENTS} sending processes used {1000 * client_cpu / max(len(rows), 1):.1f} ms CPU per request")
    return rows, wall


# ---------------------------------------------------------------- verify


def journal_states(pbx, run_id):
    ENV.cr.rollback()  # a new snapshot: see what the server committed
    ENV.cr.execute(
        "SELECT state, count(*) FROM crm_pbx_event WHERE pbx_id = %s AND external_id LIKE %s GROUP BY state",
        (pbx.id, f"{run_id}-%"),
    )
    return dict(ENV.cr.fetchall())


def wait_processed(pbx, run_id, total):
    started = time.monotonic()
    last = 0.0
    first_pending = None
    while True:
        states = journal_states(pbx, run_id)
        pending = states.get("pending", 0)
        if first_pending is None:
            first_pending = pending
        now = time.monotonic()
        if not pending:
            return states, now - started, first_pending
        if now - started > PROCESS_SECONDS:
            say(f"  stopped waiting after {PROCESS_SECONDS:.0f}s: {pending:,} events still pending")
            return states, now - started, first_pending
        if now - last >= 5:
            last = now
            done = first_pending - pending
            rate = done / max(now - started, 1e-9)
            eta = pending / rate if rate else float("inf")
            say(f"  processing: {pending:,} of {total:,} events pending, {rate:,.0f}/s, ETA {eta:.0f}s ({load()})")
        time.sleep(1)


def verify_calls(pbx, run_id, expected):
    ENV.cr.execute(
        "SELECT external_id, state, wait_seconds, talk_seconds FROM crm_call WHERE pbx_id = %s AND external_id LIKE %s",
        (pbx.id, f"{run_id}-%"),
    )
    rows = {external_id: (state, wait, talk) for external_id, state, wait, talk in ENV.cr.fetchall()}
    wrong = [(call_id, rows.get(call_id), want) for call_id, want in expected.items() if rows.get(call_id) != want]
    return len(rows), wrong


# ---------------------------------------------------------------- main


def main():
    started = time.monotonic()
    db = ENV.cr.dbname
    pbx, extensions, known, unknown = prepare()
    token, secret = pbx.sudo().webhook_token, pbx.sudo().hmac_secret
    run_id = f"bi{uuid.uuid4().hex[:10]}"
    calls, expected, total = plan(run_id, extensions, known, unknown)
    say(f"Run {run_id}: {len(calls):,} calls, {total:,} events, {N_CLIENTS} clients, server workers {WORKERS}.")
    reference = cpu_reference()
    say(f"CPU reference: {reference:.2f}s for benchlib's fixed loop.")

    log_path = os.path.join(os.getcwd(), ".crmctl", f"bench-intake-{db}-server.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    if os.path.exists(log_path):
        os.remove(log_path)
    say(f"Starting a server on {HOST} (log {log_path}) ...")
    # with --db-filter, Odoo lists the databases for each request without a session (the PBX's)
    server, port = start_server(db, log_path, [f"--workers={WORKERS}", "--max-cron-threads=1"], DB_FILTER)
    try:
        time.sleep(2)  # the workers log that they are alive

        def snapshot():
            pids = worker_pids(log_path)
            names = [f"odoo-{pid}" for pid in [server.pid, *pids["http"], *pids["cron"]]]
            return {kind: cpu_seconds(ENV.cr, pids[kind], db, names if kind == "http" else []) for kind in pids}

        cpu_start = snapshot()
        say(f"Sending ({load()}) ...")
        results, wall = send_all(port, token, secret, calls)
        cpu_sent = snapshot()
        say(f"Sent {len(results):,} events in {wall:.1f}s ({load()}); waiting for the processing ...")
        states, drain, backlog = wait_processed(pbx, run_id, total)
        cpu_done = snapshot()
    finally:
        stop_server(server)
    # Odoo: HTTP workers while sending, the cron worker until all is processed; PostgreSQL: all the server's
    # backends (HTTP and cron share the application name) while sending, and after it (cron only) apart.
    http_cpu = cpu_used(cpu_start["http"], cpu_sent["http"])
    cron_cpu = cpu_used(cpu_start["cron"], cpu_done["cron"])
    drain_pg = cpu_used(cpu_sent["http"], cpu_done["http"])[1]
    process_wall = wall + drain

    ok = [r for r in results if r[1] == 200]
    failed = [r for r in results if r[1] != 200]
    latencies = [r[0] for r in ok]
    acked_new = sum(r[2] for r in ok)
    journal = sum(states.values())
    # every event of these calls was acknowledged (all of them unless the send cap stopped the run)
    events_per_call = {events[0]["call_id"]: len(events) for events in calls}
    acked_per_call = {}
    for row in ok:
        acked_per_call[row[3]] = acked_per_call.get(row[3], 0) + 1
    complete = {c: expected[c] for c, n in acked_per_call.items() if n == events_per_call[c]}
    n_calls, wrong = verify_calls(pbx, run_id, complete)
    problems = log_problems(log_path)

    print()
    options = f"--workers={WORKERS} --max-cron-threads=1" + (" --db-filter" if DB_FILTER else "")
    print(f"PBX intake on {db}: {N_CLIENTS} concurrent clients, server {options}, {load()}")
    print(f"CPU reference (benchlib.cpu_reference): {reference:.2f}s before sending, {cpu_reference():.2f}s now")
    print(f"{'events sent':38} {len(results):>10,}   (planned {total:,} in {len(calls):,} calls)")
    print(
        f"{'acknowledged 200':38} {len(ok):>10,}   errors {len(failed)}" + (f" e.g. {failed[0][1]}" if failed else "")
    )
    print(f"{'throughput (acknowledged events/s)':38} {len(ok) / wall:>10,.0f}   target >= 200")
    print(
        f"{'ack latency ms p50 / p95 / p99':38} {percentile(latencies, 50) * 1000:>10.1f} / "
        f"{percentile(latencies, 95) * 1000:.1f} / {percentile(latencies, 99) * 1000:.1f}   (max "
        f"{max(latencies, default=0) * 1000:.0f})   target p95 <= 50"
    )
    print(
        f"{'processed (events/s, send + drain)':38} {states.get('done', 0) / process_wall:>10,.0f}   drain after sending {drain:.0f}s"
    )
    n_ok, n_done = max(len(ok), 1), max(states.get("done", 0), 1)
    print(
        f"{'CPU per event, HTTP workers (ms)':38} {1000 * http_cpu[0] / n_ok:>10.1f}   Odoo, while sending"
        f" (about {2000 / max(1000 * http_cpu[0] / n_ok, 1e-9):,.0f} events/s of Odoo CPU on 2 idle cores)"
    )
    print(
        f"{'CPU per event, cron worker (ms)':38} {1000 * cron_cpu[0] / n_done:>10.1f}   Odoo, processing"
        " (a worker killed on timeout is not counted)"
    )
    print(
        f"{'CPU per event, PostgreSQL (ms)':38} {1000 * http_cpu[1] / n_ok:>10.1f}   while sending (ack + processing"
        f" meanwhile); {1000 * drain_pg / max(backlog, 1):.1f} per event of the backlog ({backlog:,}) processed after it"
    )
    print(f"{'journal rows = events sent':38} {journal:>10,} = {len(results):,}   new in acks {acked_new:,}")
    print(f"{'calls = call ids sent':38} {n_calls:>10,} = {len(acked_per_call):,}")
    print(
        f"{'events done / error / pending':38} {states.get('done', 0):>10,} / {states.get('error', 0)} / {states.get('pending', 0)}"
    )
    print(
        f"{'calls with the planned final state':38} {len(complete) - len(wrong):>10,} of {len(complete):,} complete"
        + (f"  e.g. {wrong[:3]}" if wrong else "")
    )
    lost = len(ok) - journal
    good = lost == 0 and acked_new == len(ok) and n_calls == len(acked_per_call) and not wrong
    good = good and states.get("done", 0) == journal
    verdict = (
        "0 lost, 0 doubled, all processed as planned" if good else f"PROBLEM: {lost} lost, {len(wrong)} wrong calls"
    )
    print(f"{'verdict':38} {verdict}")
    print(f"server log: {len(problems)} WARNING/ERROR lines" + "".join(f"\n  {line}" for line in problems[:10]))
    print(f"total time {time.monotonic() - started:.0f}s")


main()
