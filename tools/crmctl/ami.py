"""crmctl ami - the Asterisk AMI connector.

Runs next to (or anywhere reaching) an Asterisk server: logs in to its Manager Interface, follows the
call events, turns them into the CRM's generic PBX events and posts them, signed, to the webhook of
a crm.pbx connection of type "Asterisk AMI". Standard library only.

AMI (https://docs.asterisk.org/Configuration/Interfaces/Asterisk-Manager-Interface-AMI/): a TCP
connection that starts with the banner "Asterisk Call Manager/<version>", then packets of
"Key: Value" lines (CRLF) ended by an empty line, in both directions. We send Login (then Ping as a
keep-alive, Logoff when stopping) and read the events of class "call" (Asterisk 12+ names):

- Newchannel: a channel appears. The call's first channel (Uniqueid == Linkedid) starts the call:
  from an internal extension it is outgoing, otherwise incoming from CallerIDNum.
- DialBegin: the call rings a destination: an internal extension rings (incoming), or the client's
  number is dialed (outgoing, when the first channel did not carry it).
- DialEnd: DialStatus ANSWER answers the call; other statuses (BUSY, NOANSWER, CANCEL, CONGESTION,
  CHANUNAVAIL, ...) tell why an unanswered call ended.
- BridgeEnter: a second channel joins the call's bridge - an answer where no Dial reported it.
- Hangup: the call's first channel hangs up - the call ends. Unanswered, its state comes from the last
  DialStatus, or else from the Q.850 cause (17 busy; 16, 18, 19, 21, 31 missed; others failed).

Cdr events are not used: they need cdr_manager, come one per leg after the hangup, and would only
repeat what Hangup already says. Event reference: https://docs.asterisk.org/Asterisk_20_Documentation/API_Documentation/AMI_Events/
(Newchannel, DialBegin, DialEnd, BridgeEnter, Hangup).

Each event is posted as generic JSON ({"events": [...]}, the fields documented in crm_telephony's
readme/CONFIGURE.md) with the headers X-Crm-Timestamp (epoch seconds) and X-Crm-Signature (hex
HMAC-SHA256 of "<timestamp>.<body>" with the connection's signing secret). Events wait in a memory
buffer while the webhook is unreachable or answers an error, and are retried with a growing delay;
the AMI connection is re-established on its own with a growing delay too. SIGTERM or Ctrl-C stops
it cleanly: it logs off and delivers what it still holds (for a few seconds).
"""

import collections
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import threading
import time
import urllib.error
import urllib.request

from .util import say, warn

DEFAULT_INTERNAL_PATTERN = r"\d{2,5}"
# A tracked call with no news for this long is forgotten (its Hangup was lost).
STALE_CALL_SECONDS = 6 * 3600
# Q.850 causes of an unanswered call that mean "the other side did not pick up".
MISSED_CAUSES = {16, 18, 19, 21, 31}
BUSY_CAUSES = {17}
DIAL_STATUS_STATE = {
    "BUSY": "busy",
    "NOANSWER": "missed",
    "CANCEL": "missed",
    "DONTCALL": "missed",
    "CONGESTION": "failed",
    "CHANUNAVAIL": "failed",
    "TORTURE": "failed",
    "INVALIDARGS": "failed",
}
# "PJSIP/101-0000002a", "SIP/101-00000001", "IAX2/101-123", "Local/101@from-internal-0001;1"
CHANNEL_ENDPOINT = re.compile(r"^[A-Za-z0-9_]+/([^-@;/]+)")
MAX_BATCH = 100
MAX_BUFFER = 100_000
AMI_CONNECT_TIMEOUT = 10
AMI_PING_EVERY = 20
AMI_SILENCE_LIMIT = 60
HTTP_TIMEOUT = 10


class AmiError(Exception):
    """The AMI conversation failed (refused login, broken connection, silence)."""


# ---------------------------------------------------------------------------
# AMI events -> generic CRM events
# ---------------------------------------------------------------------------


class CallTracker:
    """Follows the AMI events of each call (by Linkedid) and returns the CRM events they make.

    No I/O here: `feed(packet)` takes one AMI event as a dict and returns a list of generic events.
    """

    def __init__(self, internal_pattern=DEFAULT_INTERNAL_PATTERN, clock=time.time):
        self.internal = re.compile(internal_pattern)
        self.clock = clock
        self.calls = {}

    # helpers ---------------------------------------------------------------

    def is_internal(self, value):
        return bool(value) and bool(self.internal.fullmatch(value))

    @staticmethod
    def is_number(value):
        return bool(value) and bool(re.fullmatch(r"\+?\d{3,}", value))

    def channel_extension(self, channel):
        match = CHANNEL_ENDPOINT.match(channel or "")
        return match.group(1) if match and self.is_internal(match.group(1)) else ""

    def dialed_number(self, packet):
        """The external number a DialBegin dials, if any."""
        candidates = [packet.get("DestExten"), packet.get("DestCallerIDNum")]
        dial_string = packet.get("DialString") or ""
        candidates.append(dial_string.rsplit("/", 1)[-1].split("@", 1)[0])
        for value in candidates:
            if self.is_number(value) and not self.is_internal(value):
                return value
        return ""

    def _event(self, call, kind, timestamp, suffix="", **values):
        event = {
            "event_id": ":".join(filter(None, (call["id"], kind, suffix))),
            "event": kind,
            "call_id": call["id"],
            "timestamp": round(timestamp, 3),
            "direction": call["direction"],
            "number": call["number"],
            "extension": call["extension"],
        }
        event.update(values)
        return event

    # events ------------------------------------------------------------------

    def feed(self, packet):
        name = packet.get("Event")
        handler = getattr(self, f"_on_{name.lower()}", None) if name else None
        if handler is None:
            return []
        try:
            timestamp = float(packet.get("Timestamp") or self.clock())
        except ValueError:
            timestamp = self.clock()
        self._forget_stale(timestamp)
        return handler(packet, timestamp)

    def _forget_stale(self, now):
        for linkedid in [k for k, call in self.calls.items() if now - call["seen"] > STALE_CALL_SECONDS]:
            del self.calls[linkedid]

    def _on_newchannel(self, packet, timestamp):
        uniqueid, linkedid = packet.get("Uniqueid"), packet.get("Linkedid") or packet.get("Uniqueid")
        if not uniqueid or uniqueid != linkedid or linkedid in self.calls:
            return []  # a further channel of a known call
        caller = packet.get("CallerIDNum") or ""
        exten = packet.get("Exten") or ""
        own = self.channel_extension(packet.get("Channel")) or (caller if self.is_internal(caller) else "")
        call = {
            "id": linkedid,
            "seen": timestamp,
            "started_at": timestamp,
            "started": False,
            "answered_at": None,
            "dial_status": "",
            "ignored": False,
            "rung": set(),
        }
        self.calls[linkedid] = call
        if own:
            # From one of our extensions: outgoing, to the number it dialed (now or at DialBegin).
            number = exten if self.is_number(exten) and not self.is_internal(exten) else ""
            call.update(direction="out", number=number, extension=own)
            call["ignored"] = self.is_internal(exten)  # extension to extension: not a client call
        else:
            call.update(direction="in", number=caller, extension="")
            call["ignored"] = not caller
        if call["ignored"] or not call["number"]:
            return []
        call["started"] = True
        return [self._event(call, "start", timestamp)]

    def _on_dialbegin(self, packet, timestamp):
        call = self.calls.get(packet.get("Linkedid"))
        if not call or call["ignored"]:
            return []
        call["seen"] = timestamp
        if call["direction"] == "out":
            if call["started"]:
                return []
            number = self.dialed_number(packet)
            if not number:
                return []
            call["number"] = number
            call["started"] = True
            return [self._event(call, "start", call["started_at"])]
        # incoming: which extension rings
        extension = self.channel_extension(packet.get("DestChannel"))
        if not extension:
            dest = packet.get("DestCallerIDNum") or packet.get("DestExten") or ""
            extension = dest if self.is_internal(dest) else ""
        if not extension or extension in call["rung"]:
            return []
        call["rung"].add(extension)
        return [self._event(call, "start", timestamp, suffix=f"ring{extension}", extension=extension)]

    def _answer(self, call, timestamp, extension):
        if not call["started"] or call["answered_at"] is not None:
            return []
        call["answered_at"] = timestamp
        if call["direction"] == "in" and extension:
            call["extension"] = extension
        return [self._event(call, "answer", timestamp)]

    def _on_dialend(self, packet, timestamp):
        call = self.calls.get(packet.get("Linkedid"))
        if not call or call["ignored"]:
            return []
        call["seen"] = timestamp
        status = (packet.get("DialStatus") or "").upper()
        if status != "ANSWER":
            if status:
                call["dial_status"] = status
            return []
        extension = self.channel_extension(packet.get("DestChannel"))
        if not extension:
            dest = packet.get("DestCallerIDNum") or ""
            extension = dest if self.is_internal(dest) else ""
        return self._answer(call, timestamp, extension)

    def _on_bridgeenter(self, packet, timestamp):
        call = self.calls.get(packet.get("Linkedid"))
        if not call or call["ignored"]:
            return []
        call["seen"] = timestamp
        try:
            members = int(packet.get("BridgeNumChannels") or 0)
        except ValueError:
            members = 0
        if members < 2:
            return []
        return self._answer(call, timestamp, self.channel_extension(packet.get("Channel")))

    def _on_hangup(self, packet, timestamp):
        uniqueid, linkedid = packet.get("Uniqueid"), packet.get("Linkedid") or packet.get("Uniqueid")
        call = self.calls.get(linkedid)
        if not call or uniqueid != linkedid:
            return []
        del self.calls[linkedid]
        if call["ignored"] or not call["started"]:
            return []
        if call["answered_at"] is not None:
            state = "answered"
            talk = max(int(timestamp - call["answered_at"]), 0)
        else:
            talk = 0
            if call["dial_status"]:
                state = DIAL_STATUS_STATE.get(call["dial_status"], "failed")
            else:
                try:
                    cause = int(packet.get("Cause") or 0)
                except ValueError:
                    cause = 0
                state = "busy" if cause in BUSY_CAUSES else "missed" if cause in MISSED_CAUSES else "failed"
        return [self._event(call, "end", timestamp, state=state, talk_seconds=talk)]


# ---------------------------------------------------------------------------
# Delivery to the webhook
# ---------------------------------------------------------------------------


def sign(secret, timestamp, body):
    """Hex HMAC-SHA256 of ``<timestamp>.<body>``: the generic protocol's X-Crm-Signature."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class Outbox:
    """Buffers events and posts them, in order, from a thread; retries with a growing delay.

    Errors that retrying can cure (no connection, 5xx, 401/403/404 of a misconfiguration being
    fixed, 408/429) keep the events; a 400 refusal of a single event drops that event only (a
    batch refused with 400 is retried one event at a time).
    """

    def __init__(self, url, secret, log=say, min_delay=1.0, max_delay=30.0, timeout=HTTP_TIMEOUT):
        self.url, self.secret, self.log = url, secret, log
        self.min_delay, self.max_delay, self.timeout = min_delay, max_delay, timeout
        self.queue = collections.deque()
        self.cond = threading.Condition()
        self.closing = False
        self.delivered = 0
        self.dropped = 0
        self.thread = threading.Thread(target=self._run, name="crm-webhook", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def put(self, events):
        with self.cond:
            for event in events:
                if len(self.queue) >= MAX_BUFFER:
                    self.queue.popleft()
                    self.dropped += 1
                    self.log(f"buffer full ({MAX_BUFFER} events): the oldest event was dropped")
                self.queue.append(event)
            self.cond.notify()

    def pending(self):
        with self.cond:
            return len(self.queue)

    def close(self, timeout=5.0):
        """Stop after delivering what is buffered, waiting at most `timeout` seconds; the count left."""
        with self.cond:
            self.closing = True
            self.cond.notify()
        self.thread.join(timeout)
        left = self.pending()
        if left:
            warn(f"{left} event(s) not delivered to the webhook")
        return left

    def _post(self, events):
        """HTTP status of posting `events` (0 when the webhook could not be reached)."""
        body = json.dumps({"events": events}, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Crm-Timestamp": timestamp,
                "X-Crm-Signature": sign(self.secret, timestamp, body),
                "User-Agent": "crmctl-ami",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (OSError, ValueError) as error:
            self.log(f"webhook unreachable: {error}")
            return 0

    def _run(self):
        delay = self.min_delay
        while True:
            with self.cond:
                while not self.queue and not self.closing:
                    self.cond.wait()
                if not self.queue:
                    return
                batch = [self.queue[i] for i in range(min(MAX_BATCH, len(self.queue)))]
            status = self._post(batch)
            if 200 <= status < 300 or (status in (400, 413) and len(batch) == 1):
                with self.cond:
                    for _ in batch:
                        self.queue.popleft()
                if 200 <= status < 300:
                    self.delivered += len(batch)
                    self.log(f"delivered {len(batch)} event(s): " + ", ".join(e["event_id"] for e in batch))
                else:
                    self.dropped += 1
                    self.log(f"webhook refused event {batch[0]['event_id']} (HTTP {status}): dropped")
                delay = self.min_delay
                continue
            if status in (400, 413):
                # one event of the batch is refused: find it by sending them one by one
                self._one_by_one(len(batch))
                continue
            if status:
                self.log(f"webhook answered HTTP {status}; {self.pending()} event(s) kept, retry in {delay:.0f}s")
            else:
                self.log(f"{self.pending()} event(s) kept, retry in {delay:.0f}s")
            with self.cond:
                self.cond.wait(delay)  # close() wakes it up for a last attempt
            delay = min(delay * 2, self.max_delay)

    def _one_by_one(self, count):
        for _ in range(count):
            with self.cond:
                if not self.queue:
                    return
                event = self.queue[0]
            status = self._post([event])
            if 200 <= status < 300 or status in (400, 413):
                with self.cond:
                    self.queue.popleft()
                if 200 <= status < 300:
                    self.delivered += 1
                else:
                    self.dropped += 1
                    self.log(f"webhook refused event {event['event_id']} (HTTP {status}): dropped")
            else:
                return  # a transient error: the main loop retries later


# ---------------------------------------------------------------------------
# The AMI connection
# ---------------------------------------------------------------------------


class AmiConnector:
    """Keeps an AMI session open (reconnecting with a growing delay) and feeds its events on."""

    def __init__(
        self,
        host,
        port,
        username,
        secret,
        on_events,
        tracker,
        log=say,
        min_delay=1.0,
        max_delay=60.0,
    ):
        self.host, self.port, self.username, self.secret = host, port, username, secret
        self.on_events, self.tracker, self.log = on_events, tracker, log
        self.min_delay, self.max_delay = min_delay, max_delay
        self.stop_event = threading.Event()
        self.sessions = 0

    def stop(self):
        self.stop_event.set()

    def run(self):
        delay = self.min_delay
        while not self.stop_event.is_set():
            try:
                self._session()
                delay = self.min_delay
            except (OSError, AmiError) as error:
                self.log(f"AMI {self.host}:{self.port}: {error}")
            if self.stop_event.is_set():
                break
            self.log(f"reconnecting to AMI in {delay:.0f}s")
            self.stop_event.wait(delay)
            delay = min(delay * 2, self.max_delay)

    def _session(self):
        with socket.create_connection((self.host, self.port), timeout=AMI_CONNECT_TIMEOUT) as sock:
            reader = AmiReader(sock)
            banner = reader.readline(AMI_CONNECT_TIMEOUT)
            if not banner.startswith("Asterisk Call Manager/"):
                raise AmiError(f"not an Asterisk Manager Interface (banner {banner[:60]!r})")
            # Events: call - only the call events (Newchannel, Dial*, Bridge*, Hangup, ...)
            send_packet(
                sock, Action="Login", ActionID="crm-login", Username=self.username, Secret=self.secret, Events="call"
            )
            while True:
                packet = reader.packet(AMI_CONNECT_TIMEOUT)
                if packet.get("ActionID") == "crm-login":
                    if packet.get("Response") != "Success":
                        raise AmiError(f"login refused: {packet.get('Message') or packet.get('Response')}")
                    break
            self.sessions += 1
            self.log(f"logged in to {banner} at {self.host}:{self.port} as {self.username}")
            self._follow(sock, reader)

    def _follow(self, sock, reader):
        last_rx = last_ping = time.monotonic()
        while not self.stop_event.is_set():
            now = time.monotonic()
            if now - last_ping >= AMI_PING_EVERY:
                send_packet(sock, Action="Ping", ActionID="crm-ping")
                last_ping = now
            if now - last_rx > AMI_SILENCE_LIMIT:
                raise AmiError(f"no answer for {AMI_SILENCE_LIMIT}s")
            try:
                packet = reader.packet(1.0)
            except TimeoutError:
                continue
            last_rx = time.monotonic()
            if "Event" not in packet:
                continue
            events = self.tracker.feed(packet)
            if events:
                for event in events:
                    self.log(f"{packet['Event']} -> {event['event']} of call {event['call_id']} ({event['direction']})")
                self.on_events(events)
        try:
            send_packet(sock, Action="Logoff", ActionID="crm-logoff")
        except OSError:
            pass
        self.log("logged off")


def send_packet(sock, **headers):
    lines = [f"{key}: {value}" for key, value in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())


class AmiReader:
    """Reads lines and packets from an AMI socket with per-call timeouts."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""
        self.partial = {}

    def _fill(self, timeout):
        self.sock.settimeout(timeout)
        chunk = self.sock.recv(65536)  # TimeoutError when nothing comes in time
        if not chunk:
            raise AmiError("Asterisk closed the connection")
        self.buffer += chunk

    def readline(self, timeout):
        while b"\n" not in self.buffer:
            self._fill(timeout)
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace").rstrip("\r")

    def packet(self, timeout):
        """The next complete packet; raises TimeoutError when none completes within `timeout`."""
        while True:
            line = self.readline(timeout)
            if line:
                key, _sep, value = line.partition(":")
                self.partial.setdefault(key.strip(), value.strip())
                continue
            if self.partial:
                packet, self.partial = self.partial, {}
                return packet


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def add_parser(sub):
    """Register `crmctl ami` on the crmctl subcommand parser `sub`."""
    env = os.environ.get
    ami = sub.add_parser(
        "ami",
        help="run the Asterisk AMI connector: AMI call events -> signed webhook of a PBX connection",
        description=__doc__.split("\n\n", 2)[1],
    )
    ami.add_argument("--ami-host", default=env("CRM_AMI_HOST", "127.0.0.1"), help="Asterisk host ($CRM_AMI_HOST)")
    ami.add_argument("--ami-port", type=int, default=env("CRM_AMI_PORT", "5038"), help="AMI port ($CRM_AMI_PORT)")
    ami.add_argument("--ami-user", default=env("CRM_AMI_USER"), help="AMI user of manager.conf ($CRM_AMI_USER)")
    ami.add_argument(
        "--ami-secret",
        default=env("CRM_AMI_SECRET"),
        help="its secret ($CRM_AMI_SECRET; prefer the variable: arguments show in the process list)",
    )
    ami.add_argument(
        "--webhook", default=env("CRM_AMI_WEBHOOK"), help="the PBX connection's webhook URL ($CRM_AMI_WEBHOOK)"
    )
    ami.add_argument(
        "--hmac-secret",
        default=env("CRM_AMI_HMAC_SECRET"),
        help="the PBX connection's signing secret ($CRM_AMI_HMAC_SECRET; prefer the variable)",
    )
    ami.add_argument(
        "--internal-pattern",
        default=env("CRM_AMI_INTERNAL_PATTERN", DEFAULT_INTERNAL_PATTERN),
        help=f"regular expression of internal extensions (default {DEFAULT_INTERNAL_PATTERN}; $CRM_AMI_INTERNAL_PATTERN)",
    )
    ami.set_defaults(func=cmd_ami)
    return ami


def cmd_ami(args):
    missing = [
        name
        for name, value in (
            ("--ami-user", args.ami_user),
            ("--ami-secret", args.ami_secret),
            ("--webhook", args.webhook),
            ("--hmac-secret", args.hmac_secret),
        )
        if not value
    ]
    if missing:
        warn(f"missing {', '.join(missing)} (or their CRM_AMI_* environment variables)")
        return 2
    if not args.webhook.startswith(("https://", "http://")):
        warn("--webhook must be an http(s) URL: the PBX connection's Webhook URL")
        return 2
    try:
        tracker = CallTracker(args.internal_pattern)
    except re.error as error:
        warn(f"--internal-pattern is not a valid regular expression: {error}")
        return 2
    outbox = Outbox(args.webhook, args.hmac_secret).start()
    connector = AmiConnector(args.ami_host, args.ami_port, args.ami_user, args.ami_secret, outbox.put, tracker)

    def stop(signum, _frame):
        say(f"{signal.Signals(signum).name}: stopping")
        connector.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    say(f"AMI connector: {args.ami_host}:{args.ami_port} -> {args.webhook}")
    try:
        connector.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        left = outbox.close()
    say(f"stopped: {outbox.delivered} event(s) delivered, {outbox.dropped} dropped, {left} left")
    return 0
