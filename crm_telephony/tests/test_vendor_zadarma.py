"""Zadarma: the webhook (zd_echo, signed notifications) and click-to-call, over real HTTP.

Notifications are posted to /crm_telephony/webhook/<token> the way Zadarma sends them: form fields
as listed by https://zadarma.com/en/support/api/ ("Notifications about calls to PBX") and by the
official SDK's lib/Webhook/Notify*.php (github.com/zadarma/user-api-v1), with the `Signature` header
base64(hex(HMAC-SHA1(<fields of the event>, API secret))) computed here as the documentation's PHP
example does (base64_encode(hash_hmac('sha1', ..., secret))). Click-to-call and the recording link
go to a local server that checks Zadarma's documented API authorization (vendor_servers.py).
"""

import base64
import hashlib
import hmac

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_telephony.models.crm_pbx_zadarma import zadarma_query, zadarma_signature

from .common import TestCrmTelephonyCommon
from .vendor_servers import ZadarmaApiServer

# Keys of the example in Zadarma's own client documentation (npm "zadarma" README).
KEY, SECRET = "a248a6a984459935b569", "8a8e91d214fb728889c7"
CALL_IN = "in_6bd1c2a2e4c1a9b3b8e0f1c2d3e4f5a6"
CALL_OUT = "out_0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CALL_START = "2026-11-26 10:15:07"
CONTROLLER_LOGGER = "odoo.addons.crm_telephony.controllers.main"


def php_signature(data, secret=SECRET):
    """base64_encode(hash_hmac('sha1', $data, $secret)): hash_hmac returns the hex digest."""
    return base64.b64encode(hmac.new(secret.encode(), data.encode(), hashlib.sha1).hexdigest().encode()).decode()


@tagged("post_install", "-at_install")
class TestVendorZadarma(HttpCase, TestCrmTelephonyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.ru")
        cls.client = cls.env["res.partner"].create(
            {
                "name": "Zadarma Client LLC",
                "is_company": True,
                "phone": "+7 915 222-33-44",
                "user_id": cls.user_salesperson.id,
            }
        )
        cls.zadarma = cls.env["crm.pbx"].create(
            {
                "name": "Zadarma",
                "kind": "zadarma",
                "sequence": 1,
                "company_id": cls.company.id,
                "api_key": KEY,
                "api_secret": SECRET,
                "extension_ids": [
                    Command.create({"user_id": cls.user_salesperson.id, "extension": "101"}),
                    Command.create({"user_id": cls.user_head.id, "extension": "102"}),
                ],
            }
        )
        cls.url = f"/crm_telephony/webhook/{cls.zadarma.webhook_token}"

    # helpers -----------------------------------------------------------------

    def notify(self, params, signed_fields, signature=None):
        """POST one notification as Zadarma does: form fields + Signature header."""
        if signature is None:
            signature = php_signature("".join(params.get(name, "") for name in signed_fields))
        return self.url_open(self.url, data=params, headers={"Signature": signature})

    def process(self):
        self.env.invalidate_all()
        events = self.env["crm.pbx.event"].search([("pbx_id", "=", self.zadarma.id), ("state", "=", "pending")])
        events._process()
        self.assertFalse(events.filtered(lambda e: e.state != "done"), events.mapped("error"))
        return events

    def call(self, external_id):
        return self.env["crm.call"].search([("pbx_id", "=", self.zadarma.id), ("external_id", "=", external_id)])

    def journal_count(self):
        self.env.invalidate_all()
        return self.env["crm.pbx.event"].search_count([("pbx_id", "=", self.zadarma.id)])

    # signatures --------------------------------------------------------------

    def test_signature_algorithms_match_the_official_sdks(self):
        """Known answers: the Authorization header the official Python SDK (zadarma/api.py) computes
        for a callback request with these keys, and PHP's http_build_query RFC 1738 encoding."""
        query = zadarma_query({"to": "79161234567", "from": "101", "format": "json"})
        self.assertEqual(query, "format=json&from=101&to=79161234567")
        signature = zadarma_signature("/v1/request/callback/" + query + hashlib.md5(query.encode()).hexdigest(), SECRET)
        self.assertEqual(signature, "M2RjODAxZmRhYzRhOTU0YzlmNWUzZjY3OTIyYTgxMDQ1NDNlNzIyNg==")
        self.assertEqual(zadarma_query({"b": "a b~c/d", "a": "é"}), "a=%C3%A9&b=a+b%7Ec%2Fd")
        self.assertEqual(
            zadarma_signature("79152223344" + "74951112233" + CALL_START, SECRET),
            php_signature("79152223344" + "74951112233" + CALL_START),
        )

    # webhook -----------------------------------------------------------------

    def test_zd_echo_handshake(self):
        """Zadarma checks the URL with GET ?zd_echo=...: the value comes back as plain text."""
        response = self.url_open(f"{self.url}?zd_echo=8f1e2a")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, "8f1e2a")
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        with mute_logger(CONTROLLER_LOGGER):
            self.assertEqual(self.url_open("/crm_telephony/webhook/not-a-token?zd_echo=1").status_code, 404)
        self.assertEqual(self.journal_count(), 0)

    def test_incoming_call(self):
        """NOTIFY_START, NOTIFY_INTERNAL, NOTIFY_ANSWER, NOTIFY_END, then NOTIFY_RECORD: one incoming
        call of the known client, rung and answered on 101 (the salesperson), with its recording."""
        incoming = {
            "call_start": CALL_START,
            "pbx_call_id": CALL_IN,
            "caller_id": "79152223344",
            "called_did": "74951112233",
        }
        start = ("caller_id", "called_did", "call_start")
        self.assertEqual(self.notify(dict(incoming, event="NOTIFY_START"), start).status_code, 200)
        self.assertEqual(self.notify(dict(incoming, event="NOTIFY_INTERNAL", internal="101"), start).status_code, 200)
        self.process()
        call = self.call(CALL_IN)
        self.assertRecordValues(
            call,
            [
                {
                    "direction": "in",
                    "state": "ringing",
                    "number_raw": "79152223344",
                    "number_e164": "+79152223344",
                    "partner_id": self.client.id,
                    "extension": "101",
                    "user_id": self.user_salesperson.id,
                }
            ],
        )
        answer = {
            "event": "NOTIFY_ANSWER",
            "caller_id": "79152223344",
            "destination": "101",
            "call_start": CALL_START,
            "pbx_call_id": CALL_IN,
            "internal": "101",
        }
        self.assertEqual(self.notify(answer, ("caller_id", "destination", "call_start")).status_code, 200)
        end = dict(
            incoming,
            event="NOTIFY_END",
            internal="101",
            duration="42",
            disposition="answered",
            status_code="16",
            is_recorded="1",
            call_id_with_rec="1764141307.1234567",
        )
        self.assertEqual(self.notify(end, start).status_code, 200)
        self.process()
        self.assertEqual(call.state, "answered")
        self.assertTrue(call.date_answer and call.date_end)
        self.assertEqual(self.journal_count(), 4)

        with ZadarmaApiServer(KEY, SECRET) as api:
            self.zadarma.zadarma_api_url = api.url
            record = {"event": "NOTIFY_RECORD", "call_id_with_rec": "1764141307.1234567", "pbx_call_id": CALL_IN}
            response = self.notify(record, ("pbx_call_id", "call_id_with_rec"))
        self.assertEqual(response.status_code, 200, response.text)
        self.process()
        self.assertEqual(call.recording_url, f"{api.url}/v1/pbx/record/download/1764141307.1234567.mp3")
        # the link was asked with the documented authorization (the server refuses anything else)
        self.assertEqual(api.requests[0]["path"], "/v1/pbx/record/request/")
        self.assertEqual(api.requests[0]["params"]["call_id"], "1764141307.1234567")
        self.assertEqual(api.requests[0]["params"]["format"], "json")
        # a repeated delivery changes nothing
        self.assertEqual(self.notify(dict(incoming, event="NOTIFY_START"), start).status_code, 200)
        self.assertEqual(self.journal_count(), 5)

    def test_missed_incoming_call(self):
        incoming = {
            "call_start": CALL_START,
            "pbx_call_id": CALL_IN,
            "caller_id": "79152223344",
            "called_did": "74951112233",
        }
        start = ("caller_id", "called_did", "call_start")
        self.notify(dict(incoming, event="NOTIFY_START"), start)
        end = dict(
            incoming, event="NOTIFY_END", duration="0", disposition="no answer", status_code="19", is_recorded="0"
        )
        self.assertEqual(self.notify(end, start).status_code, 200)
        self.process()
        self.assertRecordValues(self.call(CALL_IN), [{"direction": "in", "state": "missed", "talk_seconds": 0}])

    def test_outgoing_calls(self):
        """NOTIFY_OUT_START / NOTIFY_OUT_END from 102: an answered call (its talk time is the
        notification's duration) and a busy one."""
        out = ("internal", "destination", "call_start")
        params = {"call_start": CALL_START, "pbx_call_id": CALL_OUT, "internal": "102", "destination": "79152223344"}
        self.assertEqual(
            self.notify(dict(params, event="NOTIFY_OUT_START", caller_id="74951112233"), out).status_code, 200
        )
        end = dict(params, event="NOTIFY_OUT_END", caller_id="74951112233", duration="75", disposition="answered")
        self.assertEqual(self.notify(end, out).status_code, 200)
        busy_id = CALL_OUT + "b"
        busy = dict(params, pbx_call_id=busy_id, event="NOTIFY_OUT_END", duration="0", disposition="busy")
        self.assertEqual(self.notify(busy, out).status_code, 200)
        self.process()
        self.assertRecordValues(
            self.call(CALL_OUT) | self.call(busy_id),
            [
                {
                    "direction": "out",
                    "state": "answered",
                    "talk_seconds": 75,
                    "extension": "102",
                    "user_id": self.user_head.id,
                    "partner_id": self.client.id,
                },
                {
                    "direction": "out",
                    "state": "busy",
                    "talk_seconds": 0,
                    "extension": "102",
                    "user_id": self.user_head.id,
                    "partner_id": self.client.id,
                },
            ],
        )

    def test_forged_notifications_are_refused(self):
        """Without the right signature nothing is journaled nor created, and the answer is 4xx."""
        params = {
            "event": "NOTIFY_START",
            "call_start": CALL_START,
            "pbx_call_id": CALL_IN,
            "caller_id": "79152223344",
            "called_did": "74951112233",
        }
        signed = ("caller_id", "called_did", "call_start")
        good = php_signature("79152223344" + "74951112233" + CALL_START)
        with mute_logger(CONTROLLER_LOGGER):
            # no signature; another secret; a raw (not hex) HMAC; a field changed after signing
            self.assertEqual(self.notify(params, signed, signature="").status_code, 403)
            self.assertEqual(self.notify(params, signed, signature=php_signature("x", "other")).status_code, 403)
            raw = base64.b64encode(
                hmac.new(SECRET.encode(), ("79152223344" + "74951112233" + CALL_START).encode(), hashlib.sha1).digest()
            ).decode()
            self.assertEqual(self.notify(params, signed, signature=raw).status_code, 403)
            self.assertEqual(
                self.notify(dict(params, caller_id="79990000000"), signed, signature=good).status_code, 403
            )
            # an event Zadarma does not document
            self.assertEqual(self.notify(dict(params, event="NOTIFY_FAKE"), signed).status_code, 400)
            # a secret not configured refuses everything
            self.zadarma.api_secret = False
            self.assertEqual(self.notify(params, signed, signature=good).status_code, 403)
        self.assertEqual(self.journal_count(), 0)
        self.assertFalse(self.call(CALL_IN))

    # click-to-call -----------------------------------------------------------

    def test_click_to_call(self):
        """The salesperson clicks a number: Zadarma's CallBack is asked (documented auth checked by
        the server) from their extension 101 to the number in digits."""
        with ZadarmaApiServer(KEY, SECRET) as api:
            self.zadarma.zadarma_api_url = api.url
            result = self.env["crm.call"].with_user(self.user_salesperson).action_click_to_call("8 (915) 222-33-44")
        self.assertTrue(result["ok"], result)
        self.assertEqual(
            api.requests,
            [{"path": "/v1/request/callback/", "params": {"from": "101", "to": "79152223344", "format": "json"}}],
        )
        call = self.env["crm.call"].browse(result["call_id"])
        self.assertRecordValues(call, [{"pbx_id": self.zadarma.id, "direction": "out", "extension": "101"}])

        # CallBack answers no call id: Zadarma's notifications of the call it makes name their own
        # (pbx_call_id), and that call is the one made at the click: one call, not two.
        out = ("internal", "destination", "call_start")
        params = {"call_start": CALL_START, "pbx_call_id": CALL_OUT, "internal": "101", "destination": "79152223344"}
        self.assertEqual(self.notify(dict(params, event="NOTIFY_OUT_START"), out).status_code, 200)
        end = dict(params, event="NOTIFY_OUT_END", duration="42", disposition="answered")
        self.assertEqual(self.notify(end, out).status_code, 200)
        self.process()
        self.assertEqual(self.env["crm.call"].search([("pbx_id", "=", self.zadarma.id)]), call)
        self.assertRecordValues(
            call,
            [
                {
                    "external_id": CALL_OUT,
                    "direction": "out",
                    "state": "answered",
                    "talk_seconds": 42,
                    "partner_id": self.client.id,
                    "user_id": self.user_salesperson.id,
                }
            ],
        )

    def test_click_to_call_claims(self):
        """Which click a call of the PBX belongs to: the same extension to the same number, the
        oldest click first, within five minutes; any other outgoing call is a call of its own."""
        with ZadarmaApiServer(KEY, SECRET) as api:
            self.zadarma.zadarma_api_url = api.url
            Call = self.env["crm.call"].with_user(self.user_salesperson)
            first, second, other, stale = (
                Call.browse(Call.action_click_to_call(number)["call_id"])
                for number in ("+7 915 222-33-44", "8 (915) 222-33-44", "+7 916 000-11-22", "+7 917 000-11-22")
            )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_call SET create_date = create_date - interval '6 minutes' WHERE id = %s", (stale.id,)
        )
        out = ("internal", "destination", "call_start")

        def start(pbx_call_id, internal, destination):
            params = {"call_start": CALL_START, "pbx_call_id": pbx_call_id, "internal": internal,
                      "destination": destination}  # fmt: skip
            self.assertEqual(self.notify(dict(params, event="NOTIFY_OUT_START"), out).status_code, 200)

        start("out-a", "101", "79152223344")  # the first click to this number
        start("out-b", "102", "79152223344")  # another extension: a call of its own
        start("out-c", "101", "79152223344")  # the second click
        start("out-d", "101", "79170001122")  # its click is more than five minutes old
        self.process()
        self.env.invalidate_all()
        self.assertEqual(self.call("out-a"), first)
        self.assertEqual(self.call("out-c"), second)
        self.assertNotIn(self.call("out-b"), first | second | other | stale)
        self.assertNotIn(self.call("out-d"), first | second | other | stale)
        self.assertTrue(other.external_id.startswith("click-to-call-"))
        self.assertTrue(stale.external_id.startswith("click-to-call-"))
        self.assertEqual(self.env["crm.call"].search_count([("pbx_id", "=", self.zadarma.id)]), 6)

    def test_unclaimed_click_to_call_closes(self):
        """A click that no notification claimed within the window ends as failed, with the reason, by
        the hourly job; a newer click still rings and can still be claimed."""
        with ZadarmaApiServer(KEY, SECRET) as api:
            self.zadarma.zadarma_api_url = api.url
            Call = self.env["crm.call"].with_user(self.user_salesperson)
            old, new = (
                Call.browse(Call.action_click_to_call(number)["call_id"])
                for number in ("+7 915 222-33-44", "+7 916 000-11-22")
            )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_call SET create_date = create_date - interval '6 minutes' WHERE id = %s", (old.id,)
        )
        self.assertEqual(self.env["crm.call"]._cron_close_unclaimed_click_to_calls(), 1)
        self.env.invalidate_all()
        self.assertRecordValues(
            old | new,
            [
                {"state": "failed", "date_end": old.date_start, "talk_seconds": 0},
                {"state": "ringing", "date_end": False, "talk_seconds": 0},
            ],
        )
        self.assertIn("no call", old.result)
        self.assertFalse(new.result)
        self.assertEqual(self.env["crm.call"]._cron_close_unclaimed_click_to_calls(), 0)

    def test_click_to_call_refused(self):
        """A wrong API secret: Zadarma answers 401 and the user is told, nothing is created."""
        with ZadarmaApiServer(KEY, "another-secret") as api:
            self.zadarma.zadarma_api_url = api.url
            result = self.env["crm.call"].with_user(self.user_salesperson).action_click_to_call("+79152223344")
            with self.assertRaisesRegex(UserError, "HTTP 401"):
                self.zadarma._crm_telephony_originate("101", "+79152223344")
        self.assertFalse(result["ok"])
        self.assertIn("Not authorized", result["message"])
        self.assertFalse(api.requests)
        self.assertFalse(self.env["crm.call"].search([("pbx_id", "=", self.zadarma.id)]))
