"""Local servers that speak the vendors' documented protocols, for the telephony tests.

Standard library only: the Odoo tests of crm_telephony and the connector's pytest tests
(tests/test_ami_connector.py, which loads this file by its path) both use them. Each server runs
in a thread on 127.0.0.1 and a free port, checks what it receives exactly as the vendor documents
it, answers the documented way and keeps what it accepted for the test to inspect.

- ZadarmaApiServer: https://zadarma.com/en/support/api/ "Authorization" — Authorization
  "<key>:<signature>", signature = base64(hex(HMAC-SHA1(method + query + md5(query), secret)))
  with the query of the parameters sorted by name. Written after the official Python SDK
  (github.com/zadarma/user-api-py-v1, zadarma/api.py), independently of the addon's code.
- MangoApiServer: form fields vpbx_api_key, sign, json with sign = sha256(key + json + salt), the
  answer {"result": 1000} (codes of the VPBX API: 3102 wrong sign, 3105 wrong key, 3103 missing
  parameter).
- AmiServer: the Asterisk Manager Interface line protocol — the banner, "Key: Value" packets ended by
  an empty line, Login/Ping/Originate/Logoff responses and an event stream to logged-in sessions.
"""

import base64
import contextlib
import hashlib
import hmac
import json
import socket
import socketserver
import threading
import time
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit


class _HttpServer:
    """An HTTP server in a thread; subclasses implement `handle(handler, method, path, query, body)`."""

    def __init__(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = owner.handle(self, self.command, url.path, url.query, body)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.requests = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class ZadarmaApiServer(_HttpServer):
    """Zadarma's API: /v1/request/callback/ and /v1/pbx/record/request/ behind its documented auth."""

    def __init__(self, key, secret):
        super().__init__()
        self.key, self.secret = key, secret

    def expected_authorization(self, method, params):
        # As zadarma/api.py: sorted params, urlencode, method + query + md5(query), HMAC-SHA1 hex, base64.
        query = urlencode(OrderedDict(sorted(params.items())))
        data = method + query + hashlib.md5(query.encode("utf8")).hexdigest()
        digest = hmac.new(self.secret.encode("utf8"), data.encode("utf8"), hashlib.sha1).hexdigest()
        return self.key + ":" + base64.b64encode(bytes(digest, "utf8")).decode()

    def handle(self, handler, method, path, query, body):
        params = dict(parse_qsl(query, keep_blank_values=True))
        authorization = handler.headers.get("Authorization") or ""
        if method != "GET" or not hmac.compare_digest(authorization, self.expected_authorization(path, params)):
            return 401, {"status": "error", "message": "Not authorized"}
        self.requests.append({"path": path, "params": params})
        if path == "/v1/request/callback/":
            if not (params.get("from") and params.get("to")):
                return 400, {"status": "error", "message": "Wrong parameters"}
            return 200, {"status": "success", "from": params["from"], "to": params["to"], "time": int(time.time())}
        if path == "/v1/pbx/record/request/":
            if not params.get("call_id"):
                return 400, {"status": "error", "message": "Wrong parameters"}
            return 200, {
                "status": "success",
                "link": f"{self.url}/v1/pbx/record/download/{params['call_id']}.mp3",
                "lifetime_till": "2030-01-01 00:00:00",
            }
        return 404, {"status": "error", "message": "Method not found"}


class MangoApiServer(_HttpServer):
    """Mango Office's VPBX API: commands/callback with the documented signed form."""

    def __init__(self, api_key, api_salt):
        super().__init__()
        self.api_key, self.api_salt = api_key, api_salt

    def handle(self, handler, method, path, query, body):
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if method != "POST":
            return 200, {"result": 3101}
        if not all(name in form for name in ("vpbx_api_key", "sign", "json")):
            return 200, {"result": 3103}
        if form["vpbx_api_key"] != self.api_key:
            return 401, {"result": 3105}
        expected = hashlib.sha256((self.api_key + form["json"] + self.api_salt).encode()).hexdigest()
        if not hmac.compare_digest(form["sign"], expected):
            return 401, {"result": 3102}
        payload = json.loads(form["json"])
        self.requests.append({"path": path, "json": payload})
        if path.endswith("/commands/callback"):
            if not (
                payload.get("command_id") and (payload.get("from") or {}).get("extension") and payload.get("to_number")
            ):
                return 200, {"result": 3103}
            return 200, {"result": 1000}
        return 404, {"result": 3000}


def ami_packet(**headers):
    """Bytes of one AMI packet; keys with underscores are written as in AMI (e.g. Cause_txt -> Cause-txt)."""
    lines = [f"{key.replace('_', '-')}: {value}" for key, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class AmiServer:
    """A small Asterisk Manager Interface: banner, Login, Ping, Originate, Logoff and an event stream."""

    BANNER = b"Asterisk Call Manager/7.0.3\r\n"

    def __init__(self, username, secret):
        self.username, self.secret = username, secret
        self.actions = []  # every packet received, in order
        self.logins = 0  # successful logins
        self.sessions = []  # logged-in connections that receive events
        self.lock = threading.Lock()
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                owner._session(self.request)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self):
        return self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.drop_connections()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def _session(self, sock):
        sock.sendall(self.BANNER)
        reader = sock.makefile("rb")
        logged_in = False
        packet = {}
        try:
            for raw in reader:
                line = raw.decode().rstrip("\r\n")
                if line:
                    key, _sep, value = line.partition(":")
                    packet[key.strip()] = value.strip()
                    continue
                if not packet:
                    continue
                action, packet = packet, {}
                with self.lock:
                    self.actions.append(action)
                name = action.get("Action", "").lower()
                action_id = action.get("ActionID", "")
                if name == "login":
                    if action.get("Username") == self.username and action.get("Secret") == self.secret:
                        sock.sendall(
                            ami_packet(Response="Success", ActionID=action_id, Message="Authentication accepted")
                        )
                        sock.sendall(ami_packet(Event="FullyBooted", Privilege="system,all", Status="Fully Booted"))
                        logged_in = True
                        with self.lock:
                            self.logins += 1
                            if action.get("Events", "on").lower() != "off":
                                self.sessions.append(sock)
                    else:
                        sock.sendall(ami_packet(Response="Error", ActionID=action_id, Message="Authentication failed"))
                        return
                elif not logged_in:
                    sock.sendall(ami_packet(Response="Error", ActionID=action_id, Message="Permission denied"))
                elif name == "ping":
                    sock.sendall(
                        ami_packet(Response="Success", ActionID=action_id, Ping="Pong", Timestamp=f"{time.time():.6f}")
                    )
                elif name == "originate":
                    ok = all(action.get(k) for k in ("Channel", "Context", "Exten", "Priority"))
                    sock.sendall(
                        ami_packet(Response="Success", ActionID=action_id, Message="Originate successfully queued")
                        if ok
                        else ami_packet(Response="Error", ActionID=action_id, Message="Exten does not exist.")
                    )
                elif name == "logoff":
                    sock.sendall(ami_packet(Response="Goodbye", ActionID=action_id, Message="Thanks for all the fish."))
                    return
                else:
                    sock.sendall(ami_packet(Response="Error", ActionID=action_id, Message="Invalid/unknown command"))
        except OSError:
            return  # the client went away
        finally:
            with self.lock:
                if sock in self.sessions:
                    self.sessions.remove(sock)
            reader.close()

    def wait_sessions(self, count=1, timeout=10):
        """Wait until `count` connections are logged in and receive events."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.sessions) >= count:
                    return True
            time.sleep(0.02)
        return False

    def emit(self, **headers):
        """Send one event to every logged-in session."""
        data = ami_packet(**headers)
        with self.lock:
            sessions = list(self.sessions)
        for sock in sessions:
            with contextlib.suppress(OSError):
                sock.sendall(data)

    def drop_connections(self):
        """Close every connection at once, as a restarting Asterisk does."""
        with self.lock:
            sessions, self.sessions = list(self.sessions), []
        for sock in sessions:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
