"""Telephony end to end: a generic PBX talks to a running server over real HTTP.

The PBX is created over RPC by the administrator, who reads its webhook token and signing secret
the way they would copy them into the PBX's configuration. Requests are signed like the generic
protocol says (crm_telephony/controllers/main.py, crm.pbx._crm_telephony_verify_generic):
headers X-Crm-Timestamp (epoch seconds) and X-Crm-Signature, the hex HMAC-SHA256 with the secret
of ``<timestamp>.<body>`` for a POST, of ``<timestamp>.<raw query string>`` for a GET.

The webhook acknowledges once the events are journaled; the cron processes them right after
(woken by the webhook), so the tests wait, with a bound, for the journal to be processed.
"""

import hashlib
import hmac
import http.client
import json
import random
import threading
import time
import urllib.parse
import uuid
from datetime import UTC, datetime

import pytest

REPLAY_WINDOW = 300
MAX_BODY_BYTES = 64 * 1024
# The webhook wakes the processing up at once; the scheduled action also runs every minute (the fallback).
PROCESSING_TIMEOUT = 150


# ---------------------------------------------------------------- helpers


def sign(secret, payload, timestamp=None):
    timestamp = str(int(time.time()) if timestamp is None else int(timestamp))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + payload, hashlib.sha256).hexdigest()
    return {"X-Crm-Timestamp": timestamp, "X-Crm-Signature": digest}


def http_request(server, method, path, body=b"", headers=None, timeout=30):
    """(status, parsed JSON or raw bytes) of one request to the server under test."""
    conn = http.client.HTTPConnection(server["host"], server["port"], timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, data


def post_events(server, pbx, events, timestamp=None, secret=None):
    body = json.dumps(events).encode()
    headers = {"Content-Type": "application/json", **sign(secret or pbx["secret"], body, timestamp)}
    return http_request(server, "POST", f"/crm_telephony/webhook/{pbx['token']}", body, headers)


def route(server, pbx, number):
    query = urllib.parse.urlencode({"number": number})
    return http_request(
        server, "GET", f"/crm_telephony/route/{pbx['token']}?{query}", headers=sign(pbx["secret"], query.encode())
    )


def new_number():
    """A Russian mobile number nobody has (random, checked by the callers that need it)."""
    digits = f"9{random.randrange(10**9):09d}"
    return f"+7 {digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}", f"+7{digits}"


def deliver_together(server, pbx, events):
    """Post each event in its own request, all at the same moment (one thread each, released together);
    returns the HTTP statuses."""
    barrier = threading.Barrier(len(events))
    statuses = []

    def deliver(event):
        barrier.wait(timeout=30)
        statuses.append(post_events(server, pbx, [event])[0])

    threads = [threading.Thread(target=deliver, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def odoo_datetime(epoch):
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def counts(admin, pbx):
    """Rows of the journal and calls of the PBX."""
    domain = [("pbx_id", "=", pbx["id"])]
    return (admin.env["crm.pbx.event"].search_count(domain), admin.env["crm.call"].search_count(domain))


def wait_processed(admin, pbx, call_ids):
    """Wait until every journaled event of these calls is processed; return their states."""
    Event = admin.env["crm.pbx.event"]
    domain = [("pbx_id", "=", pbx["id"]), ("call_external_id", "in", list(call_ids))]
    deadline = time.monotonic() + PROCESSING_TIMEOUT
    while True:
        states = [row["state"] for row in Event.search_read(domain, ["state"])]
        if states and all(state != "pending" for state in states):
            return states
        if time.monotonic() > deadline:
            pytest.fail(f"events still pending after {PROCESSING_TIMEOUT}s: {states}")
        time.sleep(0.2)


def read_call(admin, pbx, call_id):
    Call = admin.env["crm.call"]
    ids = Call.search([("pbx_id", "=", pbx["id"]), ("external_id", "=", call_id)])
    assert len(ids) == 1, f"{len(ids)} calls for {call_id}"
    fields = ["state", "date_start", "date_answer", "date_end", "wait_seconds", "talk_seconds", "recording_url"]
    fields += ["partner_id", "direction", "number_e164"]
    return Call.read(ids, fields)[0]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def pbx(admin):
    """A generic PBX with a default queue; its token and secret read back as the administrator."""
    Pbx = admin.env["crm.pbx"]
    pbx_id = Pbx.create(
        {"name": f"E2E PBX {uuid.uuid4().hex[:8]}", "kind": "generic", "default_queue_extension": "700"}
    )
    data = Pbx.read([pbx_id], ["webhook_token", "hmac_secret"])[0]
    assert data["webhook_token"] and data["hmac_secret"], "the PBX got no token or secret"
    yield {"id": pbx_id, "token": data["webhook_token"], "secret": data["hmac_secret"], "queue": "700"}
    Pbx.write([pbx_id], {"active": False})


@pytest.fixture(scope="module")
def client(admin):
    """A client company whose number the calls come from."""
    Partner = admin.env["res.partner"]
    for _attempt in range(20):
        written, e164 = new_number()
        if not Partner.search_count([("phone_e164", "=", e164)]):
            break
    partner_id = Partner.create({"name": "ООО «Телефонный клиент»", "is_company": True, "phone": written})
    return {"id": partner_id, "written": written, "e164": e164}


def start_event(call_id, number, when, **extra):
    return {"event": "start", "call_id": call_id, "direction": "in", "number": number, "timestamp": when, **extra}


# ---------------------------------------------------------------- (a) refusals


def test_a_signed_event_is_accepted(server, admin, pbx, client):
    """The control for the refusals below: the same kind of request, correctly signed, is taken."""
    before = counts(admin, pbx)
    call_id = f"e2e-ok-{uuid.uuid4().hex}"
    status, answer = post_events(server, pbx, [start_event(call_id, client["e164"][1:], time.time())])
    assert status == 200, answer
    assert answer == {"status": "ok", "received": 1, "new": 1}
    assert wait_processed(admin, pbx, [call_id]) == ["done"]
    assert counts(admin, pbx) == (before[0] + 1, before[1] + 1)
    call = read_call(admin, pbx, call_id)
    assert call["partner_id"][0] == client["id"], "the caller was not identified by number"
    assert call["number_e164"] == client["e164"]


def _refused_event():
    """A start event of a call id nobody uses: (call id, request body)."""
    call_id = f"e2e-refused-{uuid.uuid4().hex}"
    return call_id, json.dumps([start_event(call_id, "+79990000000", time.time())]).encode()


def _unsigned(pbx):
    call_id, body = _refused_event()
    return pbx["token"], body, {}, [call_id]


def _forged(pbx):
    call_id, body = _refused_event()
    return pbx["token"], body, sign("not-the-secret-" + pbx["secret"], body), [call_id]


def _tampered(pbx):
    call_id, body = _refused_event()
    headers = sign(pbx["secret"], body)
    return pbx["token"], body.replace(b"+7999", b"+7998"), headers, [call_id]


def _replayed(pbx):
    call_id, body = _refused_event()
    return pbx["token"], body, sign(pbx["secret"], body, timestamp=time.time() - REPLAY_WINDOW - 30), [call_id]


def _oversized(pbx):
    call_ids = [f"e2e-refused-big-{i}-{uuid.uuid4().hex}" for i in range(2)]
    events = [start_event(call_id, "+79990000000", time.time()) for call_id in call_ids]
    events[0]["padding"] = "x" * (MAX_BODY_BYTES + 1)
    body = json.dumps(events).encode()
    return pbx["token"], body, sign(pbx["secret"], body), call_ids


def _malformed(pbx):
    call_id = f"e2e-refused-malformed-{uuid.uuid4().hex}"
    body = b'[{"event": "start", "call_id": "%s", "timestamp": ' % call_id.encode()
    return pbx["token"], body, sign(pbx["secret"], body), [call_id]


def _unknown_token(pbx):
    call_id, body = _refused_event()
    return f"e2e-unknown-{uuid.uuid4().hex}", body, sign(pbx["secret"], body), [call_id]


@pytest.mark.parametrize(
    "make_request",
    [_unsigned, _forged, _tampered, _replayed, _oversized, _malformed, _unknown_token],
    ids=["unsigned", "forged-signature", "tampered-body", "replayed", "oversized", "malformed-json", "unknown-token"],
)
def test_a_refused_requests_write_nothing(server, admin, pbx, make_request):
    before = counts(admin, pbx)
    token, body, headers, call_ids = make_request(pbx)
    status, answer = http_request(
        server, "POST", f"/crm_telephony/webhook/{token}", body, {"Content-Type": "application/json", **headers}
    )
    assert 400 <= status < 500, (status, answer)
    time.sleep(0.5)  # nothing may show up afterwards either (no deferred write)
    assert counts(admin, pbx) == before
    # nor on any other PBX: no journal row and no call carries the request's call ids
    assert admin.env["crm.pbx.event"].search_count([("call_external_id", "in", call_ids)]) == 0
    assert admin.env["crm.call"].search_count([("external_id", "in", call_ids)]) == 0


# ---------------------------------------------------------------- (b) concurrent deliveries


def test_b_fifty_parallel_deliveries_give_one_event_and_one_call(server, admin, pbx, client):
    call_id = f"e2e-parallel-{uuid.uuid4().hex}"
    body = json.dumps([start_event(call_id, client["e164"], time.time(), event_id=f"{call_id}:start")]).encode()
    n_clients = 50
    barrier = threading.Barrier(n_clients)
    results, errors = [], []

    def deliver():
        try:
            headers = {"Content-Type": "application/json", **sign(pbx["secret"], body)}
            barrier.wait(timeout=30)
            results.append(http_request(server, "POST", f"/crm_telephony/webhook/{pbx['token']}", body, headers, 60))
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=deliver) for _i in range(n_clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert len(results) == n_clients
    assert all(status == 200 for status, _answer in results), results
    # every delivery is acknowledged; exactly one of them journaled the event
    assert sum(answer["new"] for _status, answer in results) == 1
    assert wait_processed(admin, pbx, [call_id]) == ["done"]
    events = admin.env["crm.pbx.event"].search_count([("pbx_id", "=", pbx["id"]), ("call_external_id", "=", call_id)])
    calls = admin.env["crm.call"].search_count([("pbx_id", "=", pbx["id"]), ("external_id", "=", call_id)])
    assert (events, calls) == (1, 1)


# ---------------------------------------------------------------- (c) events in any order


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_c_shuffled_answered_call(server, admin, pbx, client, seed):
    """start, answer, end, recording (and a duplicate) in a random order, each sent alone."""
    rnd = random.Random(seed)
    call_id = f"e2e-answered-{seed}-{uuid.uuid4().hex}"
    start = int(time.time()) - 3600 - seed
    answer, end = start + 5 + seed, start + 5 + seed + 93
    url = f"https://pbx.example.com/records/{call_id}.mp3"
    events = [
        start_event(call_id, client["written"], start),
        {"event": "answer", "call_id": call_id, "timestamp": answer, "extension": "101"},
        {"event": "end", "call_id": call_id, "timestamp": end, "state": "answered", "talk_seconds": end - answer},
        {"event": "recording", "call_id": call_id, "timestamp": end + 2, "recording_url": url},
    ]
    events.append(dict(rnd.choice(events)))  # a PBX retry of one of them
    rnd.shuffle(events)
    for event in events:
        status, ack = post_events(server, pbx, [event])
        assert status == 200, ack
    assert set(wait_processed(admin, pbx, [call_id])) == {"done"}
    call = read_call(admin, pbx, call_id)
    assert call["state"] == "answered"
    assert call["date_start"] == odoo_datetime(start)
    assert call["date_answer"] == odoo_datetime(answer)
    assert call["date_end"] == odoo_datetime(end)
    assert call["wait_seconds"] == answer - start
    assert call["talk_seconds"] == end - answer == 93
    assert call["recording_url"] == url
    assert call["partner_id"][0] == client["id"]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_c_shuffled_missed_call_in_one_batch(server, admin, pbx, client, seed):
    """A missed call whose events arrive in one request, in a random order: the late start does not
    turn the ended call back into a ringing one."""
    rnd = random.Random(seed)
    call_id = f"e2e-missed-{seed}-{uuid.uuid4().hex}"
    start = int(time.time()) - 1800 - seed
    end = start + 20 + seed
    events = [
        start_event(call_id, client["e164"], start),
        {"event": "end", "call_id": call_id, "timestamp": end, "state": "missed"},
    ]
    rnd.shuffle(events)
    status, ack = post_events(server, pbx, events)
    assert status == 200 and ack["new"] == 2, ack
    assert wait_processed(admin, pbx, [call_id]) == ["done", "done"]
    call = read_call(admin, pbx, call_id)
    assert (call["state"], call["date_start"], call["date_end"]) == ("missed", odoo_datetime(start), odoo_datetime(end))
    assert call["date_answer"] is False
    assert (call["wait_seconds"], call["talk_seconds"]) == (end - start, 0)


def test_c_concurrent_events_of_one_call(server, admin, pbx, client):
    """The four events of a call sent at the same moment by four clients still merge into one call."""
    call_id = f"e2e-together-{uuid.uuid4().hex}"
    start = int(time.time()) - 600
    events = [
        start_event(call_id, client["e164"], start),
        {"event": "answer", "call_id": call_id, "timestamp": start + 4},
        {"event": "end", "call_id": call_id, "timestamp": start + 64, "state": "answered"},
        {
            "event": "recording",
            "call_id": call_id,
            "timestamp": start + 66,
            "recording_url": "https://pbx.example.com/r.mp3",
        },
    ]
    assert deliver_together(server, pbx, events) == [200] * 4
    assert wait_processed(admin, pbx, [call_id]) == ["done"] * 4
    call = read_call(admin, pbx, call_id)
    assert (call["state"], call["wait_seconds"], call["talk_seconds"]) == ("answered", 4, 60)


# ---------------------------------------------------------------- (d) routing


def test_d_routing_answers_the_responsible_managers_extension_else_the_queue(server, admin, make_user, pbx):
    Partner, Extension = admin.env["res.partner"], admin.env["crm.pbx.extension"]
    with_extension = make_user("salesperson").env.uid
    without_extension = make_user("salesperson").env.uid
    extension = str(random.randrange(7000, 8000))
    Extension.create({"pbx_id": pbx["id"], "user_id": with_extension, "extension": extension})

    known_written, known_e164 = new_number()
    known = Partner.create(
        {"name": "E2E routed client", "is_company": True, "phone": known_written, "user_id": with_extension}
    )
    # a contact of that client calls from their own mobile: still the client's manager
    contact_written, contact_e164 = new_number()
    Partner.create({"name": "E2E routed contact", "parent_id": known, "mobile": contact_written})
    queued_written, queued_e164 = new_number()
    queued = Partner.create(
        {"name": "E2E client of a manager without extension", "is_company": True, "phone": queued_written,
         "user_id": without_extension}
    )  # fmt: skip
    _unknown_written, unknown_e164 = new_number()

    status, answer = route(server, pbx, known_e164[1:])  # as PBXs often send it: without the "+"
    assert status == 200, answer
    assert answer == {"extension": extension, "user_id": with_extension, "partner_id": known, "reason": "responsible"}

    status, answer = route(server, pbx, contact_e164)
    assert status == 200, answer
    assert (answer["extension"], answer["reason"], answer["partner_id"]) == (extension, "responsible", known)

    status, answer = route(server, pbx, queued_e164)
    assert status == 200, answer
    assert answer == {"extension": pbx["queue"], "user_id": None, "partner_id": queued, "reason": "queue"}

    status, answer = route(server, pbx, unknown_e164)
    assert status == 200, answer
    assert answer == {"extension": pbx["queue"], "user_id": None, "partner_id": None, "reason": "queue"}


def test_d_routing_to_the_team_queue(server, admin, make_user, pbx):
    """A client whose manager has no extension but works in a team with its own queue goes to that queue."""
    manager = make_user("salesperson").env.uid
    team = admin.env["crm.team"].create(
        {
            "name": f"E2E phone team {uuid.uuid4().hex[:6]}",
            "phone_queue_extension": "750",
            "member_ids": [(6, 0, [manager])],
        }
    )
    assert admin.env["res.users"].read([manager], ["sale_team_id"])[0]["sale_team_id"][0] == team
    written, e164 = new_number()
    partner = admin.env["res.partner"].create(
        {"name": "E2E team client", "is_company": True, "phone": written, "user_id": manager}
    )
    status, answer = route(server, pbx, e164)
    assert status == 200, answer
    assert answer == {"extension": "750", "user_id": None, "partner_id": partner, "reason": "queue"}


def test_d_routing_refuses_unsigned_and_forged_questions(server, admin, pbx, client):
    query = urllib.parse.urlencode({"number": client["e164"]})
    path = f"/crm_telephony/route/{pbx['token']}?{query}"
    status, answer = http_request(server, "GET", path)
    assert status == 401, answer
    status, answer = http_request(server, "GET", path, headers=sign(pbx["secret"], b"number=%2B70000000000"))
    assert status == 403, answer
    assert "extension" not in answer


# ---------------------------------------------------------------- (e) click-to-call


class OriginatingPbx:
    """The generic PBX's originate endpoint on 127.0.0.1: checks the signature like the webhook's
    (hex HMAC-SHA256 of ``<timestamp>.<body>``) and, like a PBX that does not tell the id of the call
    it starts (Zadarma's CallBack, Mango's callback command), answers only that it is ringing."""

    def __init__(self, secret):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                timestamp = self.headers.get("X-Crm-Timestamp") or ""
                expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(expected, self.headers.get("X-Crm-Signature") or "")
                if ok:
                    owner.requests.append(json.loads(body))
                data = json.dumps({"status": "ringing"} if ok else {"error": "bad signature"}).encode()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/originate"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_e_click_to_call_then_the_pbxs_concurrent_events_give_one_call(server, admin, make_user, pbx, client):
    """A salesperson clicks the client's number; the PBX answers no call id, then sends the call's
    events under its own id, all at the same moment: they merge into the call made at the click."""
    sales = make_user("salesperson")
    extension = str(random.randrange(8000, 9000))
    admin.env["crm.pbx.extension"].create({"pbx_id": pbx["id"], "user_id": sales.env.uid, "extension": extension})
    with OriginatingPbx(pbx["secret"]) as originate:
        admin.env["crm.pbx"].write([pbx["id"]], {"originate_url": originate.url})
        clicked = int(time.time())
        try:
            result = sales.env["crm.call"].action_click_to_call(client["written"])
        finally:
            admin.env["crm.pbx"].write([pbx["id"]], {"originate_url": False})
    assert result["ok"], result
    assert originate.requests == [{"extension": extension, "number": client["e164"], "timestamp": pytest.approx(
        time.time(), abs=60)}]  # fmt: skip

    call_id = f"e2e-click-{uuid.uuid4().hex}"
    start = int(time.time())
    events = [
        {"event": "start", "call_id": call_id, "direction": "out", "number": client["e164"][1:],
         "extension": extension, "timestamp": start},
        {"event": "answer", "call_id": call_id, "direction": "out", "number": client["e164"][1:],
         "extension": extension, "timestamp": start + 7},
        {"event": "end", "call_id": call_id, "direction": "out", "number": client["e164"][1:],
         "extension": extension, "timestamp": start + 97, "state": "answered"},
    ]  # fmt: skip
    assert deliver_together(server, pbx, events) == [200] * len(events)
    assert wait_processed(admin, pbx, [call_id]) == ["done"] * len(events)
    call = read_call(admin, pbx, call_id)
    assert call["id"] == result["call_id"]
    assert (call["direction"], call["state"], call["talk_seconds"]) == ("out", "answered", 90)
    # the call started at the click (or at the PBX's start, when the clocks disagree)
    assert odoo_datetime(clicked) <= call["date_start"] <= odoo_datetime(start)
    assert (call["date_answer"], call["date_end"]) == (odoo_datetime(start + 7), odoo_datetime(start + 97))
    began = datetime.strptime(call["date_start"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
    assert call["wait_seconds"] == start + 7 - began
    assert call["partner_id"][0] == client["id"]
    Call = admin.env["crm.call"]
    assert Call.search_count([("pbx_id", "=", pbx["id"]), ("extension", "=", extension)]) == 1
