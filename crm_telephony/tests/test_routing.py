import hashlib
import hmac
import time
from urllib.parse import urlencode

from odoo.tests import HttpCase, tagged

from .test_call_intake import CONTROLLER_LOGGER, CallIntakeCase


@tagged("post_install", "-at_install")
class TestRouting(CallIntakeCase):
    """Which extension takes a call: the client's responsible manager, else the team's queue,
    else the PBX's default queue."""

    def test_responsible_manager(self):
        self.assertEqual(
            self.pbx._crm_telephony_route("8 (915) 111-22-33"),
            {
                "extension": "101",
                "user_id": self.user_salesperson.id,
                "partner_id": self.client.id,
                "reason": "responsible",
            },
        )

    def test_contact_routes_to_client_manager(self):
        contact = self.env["res.partner"].create(
            {"name": "Ivan", "parent_id": self.client.id, "mobile": "+79162223344"}
        )
        route = self.pbx._crm_telephony_route("89162223344")
        self.assertEqual(route["extension"], "101")
        self.assertEqual(route["partner_id"], contact.commercial_partner_id.id)

    def test_manager_without_extension_team_queue(self):
        """The responsible manager has no extension on this PBX: the team's queue takes the call."""
        self.client.user_id = self.user_salesperson_2
        self.assertFalse(self.user_salesperson_2.crm_phone_extension_ids)
        self.team.phone_queue_extension = "300"
        self.assertEqual(
            self.pbx._crm_telephony_route("+79151112233"),
            {"extension": "300", "user_id": None, "partner_id": self.client.id, "reason": "queue"},
        )
        # no team queue: the PBX's default queue
        self.team.phone_queue_extension = False
        self.assertEqual(self.pbx._crm_telephony_route("+79151112233")["extension"], "100")

    def test_archived_extension_or_user(self):
        """An archived extension, or a manager who left, does not take calls any more."""
        self.extension_salesperson.active = False
        self.assertEqual(self.pbx._crm_telephony_route("+79151112233")["reason"], "queue")
        self.extension_salesperson.active = True
        self.user_salesperson.active = False
        self.assertEqual(self.pbx._crm_telephony_route("+79151112233")["reason"], "queue")

    def test_extension_on_another_pbx(self):
        """An extension on another PBX does not count: the manager is reached through the queue here."""
        other = self.env["crm.pbx"].create({"name": "Branch PBX", "default_queue_extension": "500"})
        route = other._crm_telephony_route("+79151112233")
        self.assertEqual(route, {"extension": "500", "user_id": None, "partner_id": self.client.id, "reason": "queue"})

    def test_unknown_caller_pbx_team_queue(self):
        self.team.phone_queue_extension = "300"
        self.assertEqual(
            self.pbx._crm_telephony_route("+7 999 000-00-00"),
            {"extension": "300", "user_id": None, "partner_id": None, "reason": "queue"},
        )
        self.pbx.team_id = False
        self.assertEqual(self.pbx._crm_telephony_route("+7 999 000-00-00")["extension"], "100")

    def test_lead_manager(self):
        """A caller known only by an open lead is routed to the lead's manager."""
        self.env["crm.lead"].create(
            {"name": "Request", "mobile": "+7 926 555-66-77", "user_id": self.user_head.id, "team_id": self.team.id}
        )
        route = self.pbx._crm_telephony_route("89265556677")
        self.assertEqual(
            (route["extension"], route["user_id"], route["reason"]), ("102", self.user_head.id, "responsible")
        )

    def test_route_query_count(self):
        """From a cold ORM cache: the PBX's row and one statement, which also finds the manager's
        extension or the queue (see TestCallerId)."""
        self.pbx._crm_telephony_route("+79151112233")  # the company's country is cached
        for number, expected, reason in (("+79151112233", 2, "responsible"), ("+79990000000", 2, "queue")):
            with self.subTest(number=number):
                self.env.flush_all()
                self.env.invalidate_all()
                with self.assertQueryCount(expected):
                    route = self.pbx._crm_telephony_route(number)
                self.assertEqual(route["reason"], reason)


@tagged("post_install", "-at_install")
class TestRoutingHttp(HttpCase, CallIntakeCase):
    """The routing question over HTTP, signed like the webhook (GET: the query string is signed)."""

    def _get(self, query, secret=None, timestamp=None):
        timestamp = str(int(timestamp or time.time()))
        key = (secret or self.pbx.hmac_secret).encode()
        signature = hmac.new(key, timestamp.encode() + b"." + query.encode(), hashlib.sha256).hexdigest()
        return self.url_open(
            f"/crm_telephony/route/{self.pbx.webhook_token}?{query}",
            headers={"X-Crm-Timestamp": timestamp, "X-Crm-Signature": signature},
            timeout=20,
        )

    def test_signed_get(self):
        response = self._get(urlencode({"number": "8 (915) 111-22-33"}))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "extension": "101",
                "user_id": self.user_salesperson.id,
                "partner_id": self.client.id,
                "reason": "responsible",
            },
        )

    def test_signed_post(self):
        body = b'{"number": "+7 999 000-00-00"}'
        timestamp = str(int(time.time()))
        signature = hmac.new(
            self.pbx.hmac_secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        response = self.url_open(
            f"/crm_telephony/route/{self.pbx.webhook_token}",
            data=body,
            headers={"Content-Type": "application/json", "X-Crm-Timestamp": timestamp, "X-Crm-Signature": signature},
            timeout=20,
        )
        self.assertEqual(response.json(), {"extension": "100", "user_id": None, "partner_id": None, "reason": "queue"})

    def test_refused(self):
        with self.assertLogs(CONTROLLER_LOGGER, "WARNING"):
            response = self.url_open(f"/crm_telephony/route/{self.pbx.webhook_token}?number=89151112233", timeout=20)
        self.assertEqual(response.status_code, 401)
        self.assertNotIn("extension", response.json())
        # the signature covers the number: another number with the same signature is refused
        good = self._get(urlencode({"number": "89151112233"}))
        self.assertEqual(good.status_code, 200)
        with self.assertLogs(CONTROLLER_LOGGER, "WARNING"):
            response = self.url_open(
                f"/crm_telephony/route/{self.pbx.webhook_token}?number=89990000000",
                headers={
                    "X-Crm-Timestamp": good.request.headers["X-Crm-Timestamp"],
                    "X-Crm-Signature": good.request.headers["X-Crm-Signature"],
                },
                timeout=20,
            )
        self.assertEqual(response.status_code, 403)
        response = self.url_open("/crm_telephony/route/unknown-token?number=89151112233", timeout=20)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self._get("").status_code, 400, "a signed question without a number")
