"""Mango Office (VPBX API): the webhook events and click-to-call, over real HTTP.

The VPBX posts form fields vpbx_api_key, sign and json to <external system URL>/events/call,
/events/summary and /events/recording, with sign = sha256(vpbx_api_key + json + vpbx_api_salt) as in
Mango Office's PHP example (hash('sha256', $api_key . $json . $api_salt)). The JSON payloads below are
those of the VPBX API client github.com/Bobrovskih/mango-vpbx (test/realtime.spec.js), which follow
the VPBX API's documentation; click-to-call goes to a local server that checks the same signature
(vendor_servers.py).
"""

import hashlib
import json
from datetime import datetime

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import TestCrmTelephonyCommon
from .vendor_servers import MangoApiServer

API_KEY, API_SALT = "mango-vpbx-api-key", "mango-vpbx-api-salt"
ENTRY = "MzUyODbvczg4OTo0MDE="
CONTROLLER_LOGGER = "odoo.addons.crm_telephony.controllers.main"

# An incoming call to the line 74995013402: the caller's leg in the voice menu, then the leg that
# rings extension 101, answered 5 s later, ended after 45 s of talk; then the summary and the recording.
CALL_IVR = {
    "entry_id": ENTRY,
    "call_id": "MToxMjI3NTM6NDAxOjYyODMxMTI1OTox",
    "timestamp": 1516454940,
    "seq": 1,
    "call_state": "Appeared",
    "location": "ivr",
    "from": {"number": "74991102914"},
    "to": {"number": "74995013402", "line_number": "74995013402"},
}
LEG = "MToxMjI3NTM6NDAxOjYyODMxMTI1OA=="
CALL_RING = {
    "entry_id": ENTRY,
    "call_id": LEG,
    "timestamp": 1516454942,
    "seq": 1,
    "call_state": "Appeared",
    "location": "abonent",
    "from": {"number": "74991102914"},
    "to": {"extension": "101", "number": "sip:sales101@example.mangosip.ru", "line_number": "74995013402"},
}
CALL_CONNECTED = dict(CALL_RING, seq=2, call_state="Connected", timestamp=1516454945)
CALL_DISCONNECTED = dict(CALL_RING, seq=3, call_state="Disconnected", timestamp=1516454990, disconnect_reason=1110)
SUMMARY = {
    "entry_id": ENTRY,
    "call_direction": 1,
    "from": {"number": "74991102914"},
    "to": {"extension": "101", "number": "sip:sales101@example.mangosip.ru"},
    "line_number": "74995013402",
    "create_time": 1516454940,
    "forward_time": 1516454942,
    "talk_time": 1516454945,
    "end_time": 1516454990,
    "entry_result": 1,
    "disconnect_reason": 1110,
}
RECORDING = {
    "recording_id": "MToxMjI3NTM6MzUyODbvczg4OTow",
    "recording_state": "Completed",
    "seq": 4,
    "entry_id": ENTRY,
    "call_id": LEG,
    "extension": "101",
    "timestamp": 1516454991,
    "completion_code": 1000,
    "recipient": "Cloud",
}


def mango_form(payload, api_key=API_KEY, api_salt=API_SALT):
    body = json.dumps(payload)
    return {
        "vpbx_api_key": api_key,
        "sign": hashlib.sha256((api_key + body + api_salt).encode()).hexdigest(),
        "json": body,
    }


@tagged("post_install", "-at_install")
class TestVendorMango(HttpCase, TestCrmTelephonyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.ru")
        cls.client = cls.env["res.partner"].create(
            {
                "name": "Mango Client LLC",
                "is_company": True,
                "phone": "+7 499 110-29-14",
                "user_id": cls.user_salesperson.id,
            }
        )
        cls.mango = cls.env["crm.pbx"].create(
            {
                "name": "Mango Office",
                "kind": "mango",
                "sequence": 1,
                "company_id": cls.company.id,
                "api_key": API_KEY,
                "api_secret": API_SALT,
                "recording_retention_days": 30,
                "extension_ids": [
                    Command.create({"user_id": cls.user_salesperson.id, "extension": "101"}),
                    Command.create({"user_id": cls.user_head.id, "extension": "102"}),
                ],
            }
        )
        cls.url = f"/crm_telephony/webhook/{cls.mango.webhook_token}"

    def post(self, kind, form):
        """POST like the VPBX: to the external system's URL followed by /events/<kind>."""
        return self.url_open(f"{self.url}/events/{kind}", data=form)

    def process(self):
        self.env.invalidate_all()
        events = self.env["crm.pbx.event"].search([("pbx_id", "=", self.mango.id), ("state", "=", "pending")])
        events._process()
        self.assertFalse(events.filtered(lambda e: e.state != "done"), events.mapped("error"))
        return events

    def journal(self):
        self.env.invalidate_all()
        return self.env["crm.pbx.event"].search([("pbx_id", "=", self.mango.id)])

    def call(self, entry=ENTRY):
        return self.env["crm.call"].search([("pbx_id", "=", self.mango.id), ("external_id", "=", entry)])

    def test_recording_link_signature_known_answer(self):
        """The recording link is signed sha256(key + expires + recording_id + salt), as the VPBX API
        client computes it (mango-vpbx test/sign.spec.js: key 123, salt 789 -> 9867bf...)."""
        self.mango.write({"api_key": "123", "api_secret": "789", "mango_api_url": "https://app.mango-office.ru/vpbx"})
        self.assertEqual(
            self.mango._mango_recording_link("Rofkdgl33fd=", "1525597727500"),
            "https://app.mango-office.ru/vpbx/queries/recording/link/Rofkdgl33fd=/play/123/1525597727500/"
            "9867bfdc661049959450fbad35c10ef2a41120094bda492dd0f085ba4def7df0",
        )

    def test_incoming_call(self):
        """The legs' Appeared/Connected start and answer the call (the entry), the summary ends it,
        the completed recording gives its signed link; leg disconnection alone does not end it."""
        for kind, payload in (
            ("call", CALL_IVR),
            ("call", CALL_RING),
            ("call", CALL_CONNECTED),
            ("call", CALL_DISCONNECTED),
        ):
            response = self.post(kind, mango_form(payload))
            self.assertEqual(response.status_code, 200, response.text)
        self.process()
        call = self.call()
        self.assertRecordValues(
            call,
            [
                {
                    "direction": "in",
                    "state": "answered",
                    "number_raw": "74991102914",
                    "number_e164": "+74991102914",
                    "partner_id": self.client.id,
                    "extension": "101",
                    "user_id": self.user_salesperson.id,
                    "date_end": False,
                }
            ],
        )
        self.assertEqual(len(self.journal()), 3)  # the Disconnected leg is no call event
        self.assertEqual(self.post("summary", mango_form(SUMMARY)).status_code, 200)
        self.assertEqual(
            self.post("recording", mango_form(dict(RECORDING, recording_state="Started"))).status_code, 200
        )
        self.assertEqual(self.post("recording", mango_form(RECORDING)).status_code, 200)
        self.process()
        self.assertRecordValues(
            call,
            [
                {
                    "state": "answered",
                    "date_start": datetime(2018, 1, 20, 13, 29, 0),
                    "date_answer": datetime(2018, 1, 20, 13, 29, 5),
                    "date_end": datetime(2018, 1, 20, 13, 29, 50),
                    "wait_seconds": 5,
                    "talk_seconds": 45,
                }
            ],
        )
        expires = 1516454991 + 30 * 86400
        sign = hashlib.sha256(f"{API_KEY}{expires}{RECORDING['recording_id']}{API_SALT}".encode()).hexdigest()
        self.assertEqual(
            call.recording_url,
            f"https://app.mango-office.ru/vpbx/queries/recording/link/{RECORDING['recording_id']}"
            f"/play/{API_KEY}/{expires}/{sign}",
        )
        # the same summary delivered again is journaled once
        self.assertEqual(self.post("summary", mango_form(SUMMARY)).status_code, 200)
        self.assertEqual(len(self.journal()), 5)

    def test_missed_and_busy_calls(self):
        """An incoming call nobody answered is missed; an outgoing call to a busy number is busy."""
        missed = dict(SUMMARY, entry_id="missed-entry", talk_time=0, entry_result=0, disconnect_reason=1110)
        busy = {
            "entry_id": "busy-entry",
            "call_direction": 2,
            "from": {"extension": "102", "number": "sip:head@example.mangosip.ru"},
            "to": {"number": "74991102914"},
            "line_number": "74995013402",
            "create_time": 1516455000,
            "forward_time": 0,
            "talk_time": 0,
            "end_time": 1516455012,
            "entry_result": 0,
            "disconnect_reason": 1121,
        }
        internal = dict(SUMMARY, entry_id="internal-entry", call_direction=0)
        for payload in (missed, busy, internal):
            self.assertEqual(self.post("summary", mango_form(payload)).status_code, 200)
        self.process()
        self.assertRecordValues(
            self.call("missed-entry") | self.call("busy-entry"),
            [
                {
                    "direction": "in",
                    "state": "missed",
                    "partner_id": self.client.id,
                    "extension": "101",
                    "user_id": self.user_salesperson.id,
                    "talk_seconds": 0,
                },
                {
                    "direction": "out",
                    "state": "busy",
                    "partner_id": self.client.id,
                    "extension": "102",
                    "user_id": self.user_head.id,
                    "talk_seconds": 0,
                },
            ],
        )
        self.assertFalse(self.call("internal-entry"))

    def test_forged_requests_are_refused(self):
        """A wrong salt, another API key, a JSON changed after signing or missing fields: 4xx, and
        nothing is journaled nor created."""
        good = mango_form(CALL_IVR)
        flipped = good["sign"][:-1] + ("1" if good["sign"][-1] != "1" else "2")
        tampered = dict(good, json=json.dumps(dict(CALL_IVR, **{"from": {"number": "79990000000"}})))
        with mute_logger(CONTROLLER_LOGGER):
            for form, status in (
                (mango_form(CALL_IVR, api_salt="wrong-salt"), 403),
                (mango_form(CALL_IVR, api_key="another-key"), 403),
                (tampered, 403),
                (dict(good, sign=flipped), 403),
                ({"vpbx_api_key": API_KEY, "json": good["json"]}, 400),
            ):
                response = self.post("call", form)
                self.assertEqual(response.status_code, status, (form, response.text))
        self.assertFalse(self.journal())
        self.assertFalse(self.call())

    def test_click_to_call(self):
        """commands/callback is posted signed, from the salesperson's extension to the number in digits."""
        with MangoApiServer(API_KEY, API_SALT) as api:
            self.mango.mango_api_url = f"{api.url}/vpbx"
            result = self.env["crm.call"].with_user(self.user_salesperson).action_click_to_call("+7 (499) 110-29-14")
        self.assertTrue(result["ok"], result)
        self.assertEqual(len(api.requests), 1)
        self.assertEqual(api.requests[0]["path"], "/vpbx/commands/callback")
        sent = api.requests[0]["json"]
        self.assertEqual(sent["from"], {"extension": "101"})
        self.assertEqual(sent["to_number"], "74991102914")
        self.assertTrue(sent["command_id"].startswith("crm-"))
        call = self.env["crm.call"].browse(result["call_id"])
        self.assertRecordValues(call, [{"pbx_id": self.mango.id, "partner_id": self.client.id, "direction": "out"}])

        # The VPBX answers no call id; the legs of the call it makes carry the command's id
        # (events/call "command_id"): the leg ringing the manager first, then the leg to the client.
        # They, the summary and the recording all go to the call made at the click.
        entry = "MzUyODbvczg4OTo0MDI="
        ring = {
            "entry_id": entry,
            "call_id": "MToxMjI3NTM6NDAyOjYyODMxMTI1OTox",
            "timestamp": 1516455000,
            "seq": 1,
            "call_state": "Appeared",
            "location": "abonent",
            "from": {"number": "74995013402"},
            "to": {"extension": "101", "number": "sip:sales101@example.mangosip.ru"},
            "command_id": sent["command_id"],
        }
        dial = {
            **ring,
            "call_id": "MToxMjI3NTM6NDAyOjYyODMxMTI2MDox",
            "timestamp": 1516455004,
            "from": {"extension": "101", "number": "sip:sales101@example.mangosip.ru"},
            "to": {"number": "74991102914"},
        }
        connected = dict(dial, seq=2, call_state="Connected", timestamp=1516455009)
        summary = {
            "entry_id": entry,
            "call_direction": 2,
            "from": {"extension": "101", "number": "sip:sales101@example.mangosip.ru"},
            "to": {"number": "74991102914"},
            "create_time": 1516455000,
            "forward_time": 1516455004,
            "talk_time": 1516455009,
            "end_time": 1516455069,
            "entry_result": 1,
            "disconnect_reason": 1110,
        }
        for kind, payload in (("call", ring), ("call", dial), ("call", connected), ("summary", summary)):
            self.assertEqual(self.post(kind, mango_form(payload)).status_code, 200)
        self.process()
        self.assertEqual(self.env["crm.call"].search([("pbx_id", "=", self.mango.id)]), call)
        self.assertRecordValues(
            call,
            [
                {
                    "external_id": entry,
                    "direction": "out",
                    "state": "answered",
                    "talk_seconds": 60,
                    "extension": "101",
                    "partner_id": self.client.id,
                    "user_id": self.user_salesperson.id,
                }
            ],
        )

    def test_click_to_call_refused(self):
        """The VPBX refuses a wrong salt with result 3102: the user is told, no call is created."""
        with MangoApiServer(API_KEY, "another-salt") as api:
            self.mango.mango_api_url = f"{api.url}/vpbx"
            result = self.env["crm.call"].with_user(self.user_salesperson).action_click_to_call("+74991102914")
            with self.assertRaisesRegex(UserError, "result 3102"):
                self.mango._crm_telephony_originate("101", "+74991102914")
        self.assertFalse(result["ok"])
        self.assertFalse(api.requests)
        self.assertFalse(self.env["crm.call"].search([("pbx_id", "=", self.mango.id)]))
