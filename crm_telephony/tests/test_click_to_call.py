import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TestCrmTelephonyCommon


class GenericOriginateServer:
    """A PBX speaking the generic originate protocol on 127.0.0.1.

    It accepts ``POST`` of the JSON ``{"extension", "number", "timestamp"}`` signed with
    ``X-Crm-Timestamp`` and ``X-Crm-Signature`` = hex HMAC-SHA256 of ``<timestamp>.<body>``
    with the shared secret, refuses a bad signature or a stale timestamp with 401 and
    answers ``{"call_id": ...}``. ``mode`` "refuse" answers 503, "hang" never answers
    within the client's timeout.
    """

    def __init__(self, secret, mode="ok"):
        self.secret = secret.encode()
        self.mode = mode
        self.accepted = []
        self.refused = []
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = owner.handle(self.path, self.headers, body)
                if status is None:
                    owner.release.wait(30)
                    return
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/originate"

    def handle(self, path, headers, body):
        timestamp = headers.get("X-Crm-Timestamp") or ""
        signature = headers.get("X-Crm-Signature") or ""
        expected = hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if path != "/originate" or headers.get("Content-Type") != "application/json":
            self.refused.append(body)
            return 404, {"error": "not found"}
        if not hmac.compare_digest(expected, signature) or abs(time.time() - float(timestamp or 0)) > 300:
            self.refused.append(body)
            return 401, {"error": "bad signature"}
        request = json.loads(body)
        if self.mode == "hang":
            return None, None
        if self.mode == "refuse":
            self.refused.append(request)
            return 503, {"error": "extension offline"}
        self.accepted.append(request)
        return 200, {"call_id": f"pbx-call-{len(self.accepted)}", "status": "ringing"}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@tagged("post_install", "-at_install")
class TestClickToCall(TestCrmTelephonyCommon):
    """Click-to-call through a PBX speaking the generic protocol, on a real local HTTP server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.ru")
        cls.client = cls.env["res.partner"].create(
            {"name": "Click Client LLC", "is_company": True, "phone": "+7 915 222-33-44"}
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Click deal",
                "type": "opportunity",
                "partner_id": cls.client.id,
                "user_id": cls.user_salesperson.id,
            }
        )

    def _serve(self, mode="ok"):
        server = GenericOriginateServer(self.pbx.hmac_secret, mode)
        self.pbx.originate_url = server.url
        return server

    def test_availability(self):
        """The button shows for users with an active extension on an active PBX."""
        Call = self.env["crm.call"]
        self.assertTrue(Call.with_user(self.user_salesperson).crm_click_to_call_available())
        self.assertTrue(Call.with_user(self.user_head).crm_click_to_call_available())
        self.assertFalse(Call.with_user(self.user_salesperson_2).crm_click_to_call_available())
        self.assertFalse(Call.with_user(self.user_marketer).crm_click_to_call_available())
        self.extension_salesperson.active = False
        self.assertFalse(Call.with_user(self.user_salesperson).crm_click_to_call_available())
        self.extension_salesperson.active = True
        self.pbx.active = False
        self.assertFalse(Call.with_user(self.user_salesperson).crm_click_to_call_available())

    def test_call_from_a_deal(self):
        """The PBX gets a signed request to ring 101 and dial the client; an outgoing ringing
        call of the salesperson is created, tied to the deal and its client."""
        with self._serve() as server:
            result = (
                self.env["crm.call"]
                .with_user(self.user_salesperson)
                .action_click_to_call("8 (915) 222-33-44", res_model="crm.lead", res_id=self.lead.id)
            )
        self.assertTrue(result["ok"])
        self.assertEqual(result["number"], "+79152223344")
        self.assertEqual(len(server.accepted), 1)
        self.assertFalse(server.refused)
        self.assertEqual(server.accepted[0]["extension"], "101")
        self.assertEqual(server.accepted[0]["number"], "+79152223344")
        call = self.env["crm.call"].browse(result["call_id"])
        self.assertRecordValues(
            call,
            [
                {
                    "pbx_id": self.pbx.id,
                    "external_id": "pbx-call-1",
                    "direction": "out",
                    "state": "ringing",
                    "number_raw": "8 (915) 222-33-44",
                    "number_e164": "+79152223344",
                    "extension": "101",
                    "user_id": self.user_salesperson.id,
                    "partner_id": self.client.id,
                    "lead_id": self.lead.id,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertTrue(call.date_start)
        # The salesperson sees it among their own calls.
        self.assertIn(call, self.env["crm.call"].with_user(self.user_salesperson).search([]))

    def test_call_identifies_the_number(self):
        """Clicked outside a deal or contact, the number is identified like an incoming one."""
        with self._serve() as server:
            result = self.env["crm.call"].with_user(self.user_head).action_click_to_call("+7 915 222 33 44")
        self.assertTrue(result["ok"])
        self.assertEqual(server.accepted[0]["extension"], "102")
        call = self.env["crm.call"].browse(result["call_id"])
        self.assertEqual(call.partner_id, self.client)
        self.assertEqual(call.user_id, self.user_head)

    def test_pbx_refuses(self):
        with self._serve("refuse") as server:
            result = self.env["crm.call"].with_user(self.user_salesperson).action_click_to_call("+79152223344")
        self.assertFalse(result["ok"])
        self.assertIn("503", result["message"])
        self.assertIn("Office PBX", result["message"])
        self.assertEqual(len(server.refused), 1)
        self.assertFalse(self.env["crm.call"].search([("direction", "=", "out")]))

    def test_wrong_secret_is_refused_by_the_pbx(self):
        """The server checks the signature for real: with another secret the PBX says 401."""
        server = GenericOriginateServer("not-the-pbx-secret")
        self.pbx.originate_url = server.url
        with server:
            result = self.env["crm.call"].with_user(self.user_salesperson).action_click_to_call("+79152223344")
        self.assertFalse(result["ok"])
        self.assertIn("401", result["message"])
        self.assertFalse(server.accepted)

    def test_pbx_unreachable(self):
        server = GenericOriginateServer(self.pbx.hmac_secret)
        url = server.url
        server.httpd.server_close()  # nobody listens on that port any more
        self.pbx.originate_url = url
        result = self.env["crm.call"].with_user(self.user_salesperson).action_click_to_call("+79152223344")
        self.assertFalse(result["ok"])
        self.assertIn("could not be reached", result["message"])
        self.assertFalse(self.env["crm.call"].search([("direction", "=", "out")]))

    def test_pbx_timeout(self):
        """A PBX that does not answer in time: the user is told, nothing is created."""
        started = time.monotonic()
        with self._serve("hang"):
            result = self.env["crm.call"].with_user(self.user_salesperson).action_click_to_call("+79152223344")
        self.assertLess(time.monotonic() - started, 25)
        self.assertFalse(result["ok"])
        self.assertIn("could not be reached", result["message"])
        self.assertIn("timed out", result["message"].lower())
        self.assertFalse(self.env["crm.call"].search([("direction", "=", "out")]))

    def test_refused_without_extension_or_number(self):
        Call = self.env["crm.call"]
        with self.assertRaisesRegex(UserError, "no extension"):
            Call.with_user(self.user_salesperson_2).action_click_to_call("+79152223344")
        with self.assertRaisesRegex(UserError, "no number"):
            Call.with_user(self.user_salesperson).action_click_to_call("  ")

    def test_extension_of_the_current_company(self):
        """A user working in two companies calls through the PBX of the current one."""
        self.user_salesperson.company_ids = [Command.link(self.company_2.id)]
        pbx_2 = self.env["crm.pbx"].create(
            {
                "name": "Second Office PBX",
                "company_id": self.company_2.id,
                "extension_ids": [Command.create({"user_id": self.user_salesperson.id, "extension": "301"})],
            }
        )
        Call = self.env["crm.call"].with_user(self.user_salesperson)
        server = GenericOriginateServer(pbx_2.hmac_secret)
        pbx_2.originate_url = server.url
        with server:
            result = Call.with_context(allowed_company_ids=[self.company_2.id, self.company.id]).action_click_to_call(
                "+79152223344"
            )
        self.assertTrue(result["ok"])
        self.assertEqual(server.accepted[0]["extension"], "301")
        self.assertEqual(self.env["crm.call"].browse(result["call_id"]).company_id, self.company_2)

    def test_record_not_readable_is_ignored(self):
        """A deal the user may not read is not linked (nor revealed) through the call."""
        other_lead = self.env["crm.lead"].create(
            {"name": "Somebody else's deal", "type": "opportunity", "user_id": self.user_salesperson_2.id}
        )
        with self._serve():
            result = (
                self.env["crm.call"]
                .with_user(self.user_salesperson)
                .action_click_to_call("+79990001122", res_model="crm.lead", res_id=other_lead.id)
            )
        call = self.env["crm.call"].browse(result["call_id"])
        self.assertFalse(call.lead_id)
        self.assertFalse(call.partner_id)
