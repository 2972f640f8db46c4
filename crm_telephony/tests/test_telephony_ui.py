import hashlib
import hmac
import json
import threading
import time

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from odoo.addons.bus.models.bus import channel_with_db, dispatch, hashable
from odoo.addons.bus.tests.common import WebsocketCase

from .common import TestCrmTelephonyCommon
from .test_click_to_call import GenericOriginateServer


@tagged("post_install", "-at_install")
class TestTelephonyUi(WebsocketCase, TestCrmTelephonyCommon):
    """The telephony features of the web client, in Chromium.

    The incoming-call tours need the real bus: WebsocketCase (Odoo's own test base of the
    bus) lets the web client open its websocket, which test mode refuses otherwise. The
    ringing call comes from the PBX's webhook, posted from a thread once the salesperson's
    web client listens; the intake job then processes it. As test transactions never
    commit, the bus's "new notifications" signal (sent after a real commit) is given to
    the listening websockets by hand, as WebsocketCase.trigger_notification_dispatching does.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.ru")
        cls.client = cls.env["res.partner"].create(
            {"name": "Popup Tour Client LLC", "is_company": True, "user_id": cls.user_salesperson.id}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Vera Caller", "parent_id": cls.client.id, "phone": "+7 915 444-55-66"}
        )
        cls.deal = cls.env["crm.lead"].create(
            {
                "name": "Popup tour pumps",
                "type": "opportunity",
                "partner_id": cls.contact.id,
                "user_id": cls.user_salesperson.id,
                "expected_revenue": 50000,
            }
        )

    def _ring_when_listening(self, user, number, extension):
        """Start a thread that posts a signed "start" event to the webhook as soon as `user`'s
        web client listens to the bus, processes it and wakes the websocket up."""
        outcome = {}
        channel = hashable(channel_with_db(self.registry.db_name, user.partner_id))
        token, secret = self.pbx.webhook_token, self.pbx.hmac_secret

        def ring():
            try:
                deadline = time.monotonic() + 60
                while channel not in dispatch._channels_to_ws:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the web client never listened to the bus")
                    time.sleep(0.2)
                body = json.dumps(
                    {
                        "event": "start",
                        "call_id": f"tour-{number}",
                        "direction": "in",
                        "number": number,
                        "extension": extension,
                        "timestamp": time.time(),
                    }
                ).encode()
                timestamp = str(int(time.time()))
                signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
                response = self.url_open(
                    f"/crm_telephony/webhook/{token}",
                    data=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Crm-Timestamp": timestamp,
                        "X-Crm-Signature": signature,
                    },
                )
                outcome["webhook"] = response.status_code
                if response.status_code != 200:
                    raise AssertionError(f"the webhook answered {response.status_code}: {response.text[:200]}")
                # The intake job, as the scheduler runs it (through a test cursor, like a request).
                with self.registry.cursor() as cr:
                    outcome["processed"] = api.Environment(cr, SUPERUSER_ID, {})["crm.pbx.event"]._cron_process()
                for websocket in list(dispatch._channels_to_ws.get(channel, ())):
                    websocket.trigger_notification_dispatching()
            except Exception as error:  # reported by the test (_check_ring)
                outcome["error"] = error

        thread = threading.Thread(target=ring, name="crm_telephony_tour_ring", daemon=True)
        thread.start()
        return thread, outcome

    def _check_ring(self, thread, outcome):
        thread.join(60)
        self.assertFalse(thread.is_alive())
        self.assertNotIn("error", outcome, outcome.get("error"))
        self.assertEqual(outcome["webhook"], 200)
        self.assertEqual(outcome["processed"], 1)

    def test_incoming_call_popup_tour(self):
        """A known client calls the salesperson: the popup shows the client, the deal and the
        last interaction, and opens the client and the deal."""
        thread, outcome = self._ring_when_listening(self.user_salesperson, "8 915 444 55 66", "101")
        self.start_tour("/odoo", "crm_telephony_popup_tour", login=self.user_salesperson.login)
        self._check_ring(thread, outcome)
        call = self.env["crm.call"].search([("external_id", "=", "tour-8 915 444 55 66")])
        self.assertEqual(call.partner_id, self.contact)
        self.assertEqual(call.user_id, self.user_salesperson)

    def test_incoming_call_unknown_tour(self):
        """An unknown number calls: the popup says so and opens the lead made for it."""
        thread, outcome = self._ring_when_listening(self.user_salesperson, "+79990005566", "101")
        self.start_tour("/odoo", "crm_telephony_popup_unknown_tour", login=self.user_salesperson.login)
        self._check_ring(thread, outcome)
        lead = self.env["crm.lead"].search([("phone_e164", "=", "+79990005566")])
        self.assertEqual(len(lead), 1)
        self.assertFalse(lead.user_id)

    def test_statistics_tour(self):
        """A head of sales opens the call statistics and "who called whom" from Reporting."""
        self.user_salesperson.name = "Stats Salesperson"
        client = self.env["res.partner"].create({"name": "Stats Client LLC", "is_company": True})
        for index, state in enumerate(("answered", "answered", "missed")):
            self.env["crm.call"].create(
                {
                    "pbx_id": self.pbx.id,
                    "external_id": f"stats-{index}",
                    "number_raw": "+79150000001",
                    "partner_id": client.id,
                    "user_id": self.user_salesperson.id,
                    "state": state,
                    "talk_seconds": 60 if state == "answered" else 0,
                    "date_start": self.env.cr.now(),
                }
            )
        self.start_tour("/odoo", "crm_telephony_statistics_tour", login=self.user_head.login)

    def test_click_to_call_tour(self):
        """A salesperson calls a client from its card: the PBX rings their extension."""
        client = self.env["res.partner"].create(
            {"name": "Click Tour Client LLC", "is_company": True, "phone": "+7 915 555-66-77"}
        )
        with GenericOriginateServer(self.pbx.hmac_secret) as server:
            self.pbx.originate_url = server.url
            self.start_tour(
                f"/odoo/action-contacts.action_contacts/{client.id}",
                "crm_telephony_click_to_call_tour",
                login=self.user_salesperson.login,
            )
        self.assertEqual(
            server.accepted,
            [{"extension": "101", "number": "+79155556677", "timestamp": server.accepted[0]["timestamp"]}],
        )
        call = self.env["crm.call"].search([("external_id", "=", "pbx-call-1")])
        self.assertEqual((call.direction, call.state, call.partner_id), ("out", "ringing", client))
