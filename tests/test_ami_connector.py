"""The Asterisk AMI connector (`./crmctl ami`, tools/crmctl/ami.py) against real protocols.

No Odoo here: a local AMI server (crm_telephony/tests/vendor_servers.py: banner, Login, Ping,
Logoff, an event stream) plays Asterisk, and a local HTTP receiver plays the CRM's webhook,
checking each request's signature as the generic protocol defines it (hex HMAC-SHA256 of
"<X-Crm-Timestamp>.<body>" with the signing secret).
"""

import hashlib
import hmac
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))

from crmctl import ami  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "vendor_servers", os.path.join(REPO, "crm_telephony", "tests", "vendor_servers.py")
)
vendor_servers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vendor_servers)

SECRET = "connector-signing-secret"
AMI_USER, AMI_SECRET = "crm", "ami-password"


class Receiver:
    """The CRM's webhook: accepts correctly signed posts, refuses the others with 403.

    `fail_first` answers 503 to that many requests first (the CRM being down)."""

    def __init__(self, secret=SECRET, fail_first=0):
        self.secret = secret
        self.fail_first = fail_first
        self.events = []
        self.refused = 0
        self.failed = 0
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = owner.receive(self.headers, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status": "ok"}' if status == 200 else b'{"error": "no"}')

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/crm_telephony/webhook/token"

    def receive(self, headers, body):
        timestamp = headers.get("X-Crm-Timestamp") or ""
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        with self.lock:
            if not hmac.compare_digest(expected, headers.get("X-Crm-Signature") or "") or (
                abs(time.time() - float(timestamp or 0)) > 300
            ):
                self.refused += 1
                return 403
            if self.fail_first > 0:
                self.fail_first -= 1
                self.failed += 1
                return 503
            self.events.extend(json.loads(body)["events"])
            return 200

    def wait_events(self, count, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.events) >= count:
                    return list(self.events)
            time.sleep(0.05)
        with self.lock:
            return list(self.events)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def incoming_call(base="1700000000", t0=1700000000.0):
    """AMI events of an incoming call from +7 915 222-33-44 on the trunk: it rings extension 101,
    which answers after 5 s; hung up after 60 s of talk. Channels {base}.1 (trunk) and {base}.2."""
    first, second = f"{base}.1", f"{base}.2"
    trunk = {"Channel": "PJSIP/trunk-00000001", "Uniqueid": first, "Linkedid": first}
    phone = {"Channel": "PJSIP/101-00000002", "Uniqueid": second, "Linkedid": first}
    dial = dict(trunk, DestChannel="PJSIP/101-00000002", DestCallerIDNum="101", DestUniqueid=second, DestLinkedid=first)

    def at(seconds):
        return f"{t0 + seconds:.6f}"

    return [
        dict(
            trunk,
            Event="Newchannel",
            ChannelState="4",
            ChannelStateDesc="Ring",
            CallerIDNum="79152223344",
            Exten="74951112233",
            Context="from-trunk",
            Timestamp=at(0.1),
        ),
        dict(phone, Event="Newchannel", CallerIDNum="101", Exten="", Timestamp=at(1)),
        dict(dial, Event="DialBegin", DialString="101", Timestamp=at(1)),
        dict(dial, Event="DialEnd", DialStatus="ANSWER", Timestamp=at(5)),
        dict(phone, Event="BridgeEnter", BridgeNumChannels="2", Timestamp=at(5.1)),
        dict(phone, Event="Hangup", Cause="16", **{"Cause-txt": "Normal Clearing"}, Timestamp=at(65)),
        dict(trunk, Event="Hangup", Cause="16", **{"Cause-txt": "Normal Clearing"}, Timestamp=at(65.2)),
    ]


INCOMING_ANSWERED = incoming_call()


def feed_all(tracker, packets):
    events = []
    for packet in packets:
        events.extend(tracker.feed(packet))
    return events


def test_incoming_answered_call_events():
    """Newchannel starts the call, DialBegin tells who rings, DialEnd ANSWER answers, the first
    channel's Hangup ends it answered with the talk time; BridgeEnter does not answer it twice."""
    events = feed_all(ami.CallTracker(), INCOMING_ANSWERED)
    assert [(e["event"], e["extension"], e["event_id"]) for e in events] == [
        ("start", "", "1700000000.1:start"),
        ("start", "101", "1700000000.1:start:ring101"),
        ("answer", "101", "1700000000.1:answer"),
        ("end", "101", "1700000000.1:end"),
    ]
    assert {e["call_id"] for e in events} == {"1700000000.1"}
    assert {e["direction"] for e in events} == {"in"}
    assert {e["number"] for e in events} == {"79152223344"}
    assert events[0]["timestamp"] == 1700000000.1
    assert events[-1]["state"] == "answered"
    assert events[-1]["talk_seconds"] == 60


def test_outgoing_call_number_from_dial():
    """A call from extension 102 whose first channel does not carry the number (an originated
    call): it starts, outgoing, once DialBegin dials the client's number."""
    tracker = ami.CallTracker()
    events = feed_all(
        tracker,
        [
            {
                "Event": "Newchannel",
                "Channel": "PJSIP/102-00000010",
                "CallerIDNum": "102",
                "Exten": "s",
                "Uniqueid": "crm-abc",
                "Linkedid": "crm-abc",
                "Timestamp": "1700000100",
            },
            {
                "Event": "DialBegin",
                "Channel": "PJSIP/102-00000010",
                "Uniqueid": "crm-abc",
                "Linkedid": "crm-abc",
                "DestChannel": "PJSIP/trunk-00000011",
                "DestExten": "s",
                "DialString": "trunk/79152223344",
                "Timestamp": "1700000103",
            },
            {
                "Event": "DialEnd",
                "Linkedid": "crm-abc",
                "Uniqueid": "crm-abc",
                "DestChannel": "PJSIP/trunk-00000011",
                "DialStatus": "ANSWER",
                "Timestamp": "1700000110",
            },
            {"Event": "Hangup", "Uniqueid": "crm-abc", "Linkedid": "crm-abc", "Cause": "16", "Timestamp": "1700000140"},
        ],
    )
    assert [(e["event"], e["direction"], e["number"], e["extension"]) for e in events] == [
        ("start", "out", "79152223344", "102"),
        ("answer", "out", "79152223344", "102"),
        ("end", "out", "79152223344", "102"),
    ]
    assert events[0]["timestamp"] == 1700000100  # when the call began, not when it dialed
    assert events[-1]["talk_seconds"] == 30


@pytest.mark.parametrize(
    ("dial_status", "cause", "state"),
    [
        ("BUSY", "17", "busy"),
        ("NOANSWER", "19", "missed"),
        ("CANCEL", "16", "missed"),
        ("CONGESTION", "34", "failed"),
        ("CHANUNAVAIL", "20", "failed"),
        (None, "17", "busy"),
        (None, "16", "missed"),
        (None, "21", "missed"),
        (None, "1", "failed"),
        (None, "38", "failed"),
    ],
)
def test_unanswered_call_states(dial_status, cause, state):
    """The end state of an unanswered call: the last DialStatus, else the Hangup cause."""
    packets = [INCOMING_ANSWERED[0]]
    if dial_status:
        packets += [INCOMING_ANSWERED[2], dict(INCOMING_ANSWERED[3], DialStatus=dial_status)]
    packets.append(dict(INCOMING_ANSWERED[-1], Cause=cause))
    events = feed_all(ami.CallTracker(), packets)
    assert events[-1]["event"] == "end"
    assert events[-1]["state"] == state
    assert events[-1]["talk_seconds"] == 0


def test_internal_calls_are_not_reported():
    """Extension 101 calling extension 102 is no client call."""
    events = feed_all(
        ami.CallTracker(),
        [
            {
                "Event": "Newchannel",
                "Channel": "PJSIP/101-1",
                "CallerIDNum": "101",
                "Exten": "102",
                "Uniqueid": "x.1",
                "Linkedid": "x.1",
            },
            {"Event": "DialBegin", "Linkedid": "x.1", "DestChannel": "PJSIP/102-2", "DestCallerIDNum": "102"},
            {"Event": "DialEnd", "Linkedid": "x.1", "DestChannel": "PJSIP/102-2", "DialStatus": "ANSWER"},
            {"Event": "Hangup", "Uniqueid": "x.1", "Linkedid": "x.1", "Cause": "16"},
        ],
    )
    assert events == []


def run_connector(port, url, secret=SECRET, ami_secret=AMI_SECRET):
    logs = []
    outbox = ami.Outbox(url, secret, log=logs.append, min_delay=0.05, max_delay=0.2).start()
    connector = ami.AmiConnector(
        "127.0.0.1",
        port,
        AMI_USER,
        ami_secret,
        outbox.put,
        ami.CallTracker(),
        log=logs.append,
        min_delay=0.05,
        max_delay=0.2,
    )
    thread = threading.Thread(target=connector.run, daemon=True)
    thread.start()
    return connector, outbox, thread, logs


def stop_connector(connector, outbox, thread):
    connector.stop()
    thread.join(10)
    assert not thread.is_alive()
    return outbox.close(timeout=5)


def test_connector_posts_signed_events():
    """Against the AMI server and the webhook receiver: login, events in, signed generic events out."""
    with vendor_servers.AmiServer(AMI_USER, AMI_SECRET) as server, Receiver() as receiver:
        connector, outbox, thread, logs = run_connector(server.port, receiver.url)
        assert server.wait_sessions(1)
        login = next(a for a in server.actions if a.get("Action") == "Login")
        assert login["Username"] == AMI_USER
        assert login["Events"] == "call"
        for packet in INCOMING_ANSWERED:
            server.emit(**packet)
        events = receiver.wait_events(4)
        left = stop_connector(connector, outbox, thread)
    assert left == 0
    assert receiver.refused == 0
    assert [e["event_id"] for e in events] == [
        "1700000000.1:start",
        "1700000000.1:start:ring101",
        "1700000000.1:answer",
        "1700000000.1:end",
    ]
    assert events[-1]["state"] == "answered"
    # stopping logs off
    assert server.actions[-1]["Action"] == "Logoff"
    assert any("logged off" in line for line in logs)


def test_connector_signature_with_wrong_secret_is_refused_and_kept():
    """A receiver with another secret refuses (403): the events are kept and retried, not lost."""
    with vendor_servers.AmiServer(AMI_USER, AMI_SECRET) as server, Receiver(secret="other") as receiver:
        connector, outbox, thread, _logs = run_connector(server.port, receiver.url)
        assert server.wait_sessions(1)
        server.emit(**INCOMING_ANSWERED[0])
        deadline = time.monotonic() + 10
        while receiver.refused < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.refused >= 2
        assert outbox.pending() == 1
        connector.stop()
        thread.join(10)
        assert outbox.close(timeout=0.5) == 1
    assert receiver.events == []


def test_connector_buffers_while_webhook_fails():
    """The webhook answers 503 three times: the events wait and arrive afterwards, in order."""
    with vendor_servers.AmiServer(AMI_USER, AMI_SECRET) as server, Receiver(fail_first=3) as receiver:
        connector, outbox, thread, _logs = run_connector(server.port, receiver.url)
        assert server.wait_sessions(1)
        for packet in INCOMING_ANSWERED:
            server.emit(**packet)
        events = receiver.wait_events(4)
        stop_connector(connector, outbox, thread)
    assert receiver.failed == 3
    assert [e["event"] for e in events] == ["start", "start", "answer", "end"]


def test_connector_reconnects_after_the_server_drops_it():
    """Asterisk drops the connection in the middle of a call: the connector logs in again by itself
    and the rest of the call, sent on the new connection, still arrives."""
    with vendor_servers.AmiServer(AMI_USER, AMI_SECRET) as server, Receiver() as receiver:
        connector, outbox, thread, logs = run_connector(server.port, receiver.url)
        assert server.wait_sessions(1)
        for packet in INCOMING_ANSWERED[:4]:
            server.emit(**packet)
        assert len(receiver.wait_events(3)) == 3
        server.drop_connections()
        deadline = time.monotonic() + 10
        while server.logins < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.logins == 2
        assert server.wait_sessions(1)
        server.emit(**INCOMING_ANSWERED[-1])
        events = receiver.wait_events(4)
        stop_connector(connector, outbox, thread)
        assert connector.sessions == 2
    assert [e["event"] for e in events] == ["start", "start", "answer", "end"]
    assert events[-1]["state"] == "answered"
    assert any("reconnecting to AMI" in line for line in logs)


def test_connector_retries_a_refused_login():
    """A wrong AMI secret: the login is refused, reported, and tried again later."""
    with vendor_servers.AmiServer(AMI_USER, AMI_SECRET) as server, Receiver() as receiver:
        connector, outbox, thread, logs = run_connector(server.port, receiver.url, ami_secret="wrong")
        deadline = time.monotonic() + 10
        while sum(a.get("Action") == "Login" for a in server.actions) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop_connector(connector, outbox, thread)
    assert sum(a.get("Action") == "Login" for a in server.actions) >= 2
    assert server.logins == 0
    assert any("login refused: Authentication failed" in line for line in logs)


def test_crmctl_ami_stops_on_sigterm():
    """`./crmctl ami` with its settings in the environment: it logs in, delivers a call's events,
    and SIGTERM stops it cleanly (logoff, exit code 0)."""
    with vendor_servers.AmiServer(AMI_USER, AMI_SECRET) as server, Receiver() as receiver:
        env = dict(
            os.environ,
            CRM_AMI_HOST="127.0.0.1",
            CRM_AMI_PORT=str(server.port),
            CRM_AMI_USER=AMI_USER,
            CRM_AMI_SECRET=AMI_SECRET,
            CRM_AMI_WEBHOOK=receiver.url,
            CRM_AMI_HMAC_SECRET=SECRET,
        )
        proc = subprocess.Popen(
            [sys.executable, os.path.join(REPO, "crmctl"), "ami"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert server.wait_sessions(1, timeout=20)
            for packet in INCOMING_ANSWERED:
                server.emit(**packet)
            assert len(receiver.wait_events(4)) == 4
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, output
    assert "SIGTERM: stopping" in output
    assert "logged off" in output
    assert "4 event(s) delivered" in output
    assert server.actions[-1]["Action"] == "Logoff"


def test_crmctl_ami_refuses_missing_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_AMI_")}
    proc = subprocess.run(
        [sys.executable, os.path.join(REPO, "crmctl"), "ami", "--ami-user", "u"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert "missing --ami-secret, --webhook, --hmac-secret" in proc.stderr


def test_connector_feeds_a_running_crm(admin, server):
    """End to end: the connector posts to the webhook of an "Asterisk AMI" PBX connection of the
    running CRM, which accepts its signature and turns the events into one answered incoming call
    on the extension's user."""
    suffix = uuid.uuid4().hex[:8]
    pbx_id = admin.env["crm.pbx"].create({"name": f"Asterisk e2e {suffix}", "kind": "asterisk_ami"})
    pbx = admin.env["crm.pbx"].browse(pbx_id)
    admin.env["crm.pbx.extension"].create({"pbx_id": pbx_id, "user_id": admin.env.uid, "extension": "101"})
    url = f"{server['url']}/crm_telephony/webhook/{pbx.webhook_token}"
    # A whole second: Odoo keeps datetimes to the second, so a fraction could turn 60.2 s into 61.
    packets = incoming_call(base=f"e2e{suffix}", t0=float(int(time.time())))
    with vendor_servers.AmiServer(AMI_USER, AMI_SECRET) as ami_server:
        connector, outbox, thread, logs = run_connector(ami_server.port, url, secret=pbx.hmac_secret)
        assert ami_server.wait_sessions(1)
        for packet in packets:
            ami_server.emit(**packet)
        deadline = time.monotonic() + 30
        while outbox.delivered < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stop_connector(connector, outbox, thread) == 0, logs
    assert outbox.delivered == 4, logs
    Event, Call = admin.env["crm.pbx.event"], admin.env["crm.call"]
    event_ids = Event.search([("pbx_id", "=", pbx_id)])
    assert len(event_ids) == 4
    # The webhook woke up the processing job; while it has not run, an administrator's replay
    # processes the events (events the job holds at that moment are skipped, so wait for them).
    fields = ["external_id", "direction", "state", "extension", "user_id", "talk_seconds"]
    deadline = time.monotonic() + 30
    while True:
        calls = Call.search_read([("pbx_id", "=", pbx_id)], fields)
        if (calls and calls[0]["state"] == "answered") or time.monotonic() > deadline:
            break
        pending = Event.search([("pbx_id", "=", pbx_id), ("state", "!=", "done")])
        if pending:
            Event.browse(pending).action_replay()
        time.sleep(0.5)
    assert len(calls) == 1
    call = calls[0]
    assert call["direction"] == "in"
    assert call["state"] == "answered"
    assert call["extension"] == "101"
    assert call["user_id"][0] == admin.env.uid
    assert call["talk_seconds"] == 60
