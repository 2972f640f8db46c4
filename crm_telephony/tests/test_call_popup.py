import json
import time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from .common import TestCrmTelephonyCommon


@tagged("post_install", "-at_install")
class TestCallPopup(TestCrmTelephonyCommon):
    """The incoming-call popup: who gets it, and what it shows to whom."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.ru")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Popup Team",
                "user_id": cls.user_head.id,
                "member_ids": [Command.set([cls.user_salesperson.id, cls.user_salesperson_2.id])],
            }
        )
        cls.client = cls.env["res.partner"].create(
            {"name": "Popup Client LLC", "is_company": True, "user_id": cls.user_salesperson.id}
        )
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Vera Caller",
                "function": "Purchasing manager",
                "parent_id": cls.client.id,
                "phone": "+7 915 333-44-55",
            }
        )
        Lead = cls.env["crm.lead"]
        cls.deal = Lead.create(
            {
                "name": "Pumps for Popup Client",
                "type": "opportunity",
                "partner_id": cls.contact.id,
                "user_id": cls.user_salesperson.id,
                "team_id": cls.team.id,
                "expected_revenue": 125000,
            }
        )
        cls.deal_other = Lead.create(
            {
                "name": "Valves for Popup Client",
                "type": "opportunity",
                "partner_id": cls.client.id,
                "user_id": cls.user_salesperson_2.id,
                "team_id": cls.team.id,
            }
        )
        cls.deal_won = Lead.create(
            {
                "name": "Old won deal",
                "type": "opportunity",
                "partner_id": cls.client.id,
                "user_id": cls.user_salesperson.id,
            }
        )
        cls.deal_won.action_set_won()
        cls.sequence = 0

    def setUp(self):
        super().setUp()
        self.env.cr.precommit.run()
        self.last_bus_id = self.env["bus.bus"].sudo().search([], order="id desc", limit=1).id or 0

    def _event(self, number, extension="101", kind="start", **values):
        self.sequence += 1
        return {
            "external_id": f"popup-event-{self.sequence}",
            "call_id": values.pop("call_id", f"popup-call-{self.sequence}"),
            "event": kind,
            "direction": "in",
            "number": number,
            "extension": extension,
            "timestamp": time.time(),
            "state": "",
            "recording_url": "",
            "talk_seconds": None,
            **values,
        }

    def _ring(self, number, extension="101", **values):
        """A "start" event journaled and processed the way the webhook and its job do."""
        event = self._event(number, extension, **values)
        Event = self.env["crm.pbx.event"]
        ids = Event._crm_telephony_journal(self.pbx, [event], json.dumps(event).encode())
        done = Event.browse(ids)._process()
        self.assertEqual(done.mapped("state"), ["done"])
        return done.call_id

    def _popups(self, user):
        """Incoming-call notifications sent to `user` since the test started."""
        self.env.cr.precommit.run()  # writes the bus messages of this transaction
        channel = json_dump(channel_with_db(self.env.cr.dbname, user.partner_id))
        messages = (
            self.env["bus.bus"].sudo().search([("id", ">", self.last_bus_id), ("channel", "=", channel)], order="id")
        )
        return [
            message["payload"]
            for message in map(json.loads, messages.mapped("message"))
            if message["type"] == "crm_telephony/incoming_call"
        ]

    def test_known_client(self):
        """The salesperson whose extension rings sees the client, the contact, the responsible
        manager, the open deals they may open and the last interactions."""
        self.client.message_post(
            body="Asked for a quote on pumps", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        call = self._ring("8 915 333 44 55")
        self.assertEqual(call.state, "ringing")
        popups = self._popups(self.user_salesperson)
        self.assertEqual(len(popups), 1)
        popup = popups[0]
        self.assertEqual(popup["call_id"], call.id)
        self.assertEqual(popup["number"], "+79153334455")
        self.assertTrue(popup["known"])
        self.assertEqual(popup["client"], {"id": self.client.id, "name": "Popup Client LLC"})
        self.assertEqual(popup["partner"]["id"], self.contact.id)
        self.assertEqual(popup["partner"]["function"], "Purchasing manager")
        self.assertEqual(popup["manager"], {"id": self.user_salesperson.id, "name": self.user_salesperson.name})
        self.assertEqual(popup["company"]["id"], self.company.id)
        # Open deals only, and only those the salesperson may open (not a colleague's).
        self.assertEqual([deal["id"] for deal in popup["deals"]], [self.deal.id])
        self.assertEqual(popup["deals"][0]["amount"], 125000)
        self.assertEqual(popup["deals"][0]["stage"], self.deal.stage_id.name)
        self.assertEqual(popup["deals"][0]["currency_id"], self.company.currency_id.id)
        # Last interactions from the client's timeline, newest first, as the salesperson sees it:
        # asked for by the popup when it opens, not sent on the bus.
        self.assertNotIn("interactions", popup)
        interactions = call.with_user(self.user_salesperson).get_crm_popup_interactions()
        titles = [(entry["kind"], entry["title"]) for entry in interactions]
        self.assertIn(("deal", "Pumps for Popup Client"), titles)
        self.assertNotIn(("deal", "Valves for Popup Client"), titles)
        self.assertTrue(any("quote on pumps" in (title or "") for _kind, title in titles), titles)
        dates = [entry["date"] for entry in interactions]
        self.assertEqual(dates, sorted(dates, reverse=True))
        self.assertLessEqual(len(interactions), 5)
        # Only for whom the call rings (or who may read it).
        with self.assertRaises(AccessError):
            call.with_user(self.user_salesperson_2).get_crm_popup_interactions()
        # Nobody else is disturbed.
        self.assertFalse(self._popups(self.user_salesperson_2))
        self.assertFalse(self._popups(self.user_head))

    def test_head_sees_the_team_deals(self):
        """On the head's extension, the popup lists every open deal of the client."""
        self._ring("+79153334455", extension="102")
        popups = self._popups(self.user_head)
        self.assertEqual(len(popups), 1)
        self.assertEqual({deal["id"] for deal in popups[0]["deals"]}, {self.deal.id, self.deal_other.id})
        self.assertFalse(self._popups(self.user_salesperson))

    def test_queue_goes_to_the_responsible_manager(self):
        """A known client calling the queue: the popup goes to their responsible manager."""
        self._ring("+79153334455", extension="100")
        self.assertEqual(len(self._popups(self.user_salesperson)), 1)

    def test_unknown_caller(self):
        """An unknown number: flagged unknown, with the pool lead the call got; "Create lead"
        opens that lead rather than making a second one."""
        call = self._ring("+7 999 000-55-66")
        popup = self._popups(self.user_salesperson)[0]
        self.assertFalse(popup["known"])
        self.assertFalse(popup["partner"])
        self.assertFalse(popup["client"])
        self.assertEqual(popup["number"], "+79990005566")
        self.assertEqual(call.with_user(self.user_salesperson).get_crm_popup_interactions(), [])
        self.assertTrue(call.lead_id)
        self.assertEqual([deal["id"] for deal in popup["deals"]], [call.lead_id.id])
        action = call.with_user(self.user_salesperson).action_crm_popup_create_lead()
        self.assertEqual(action["res_model"], "crm.lead")
        self.assertEqual(action["res_id"], call.lead_id.id)
        self.assertEqual(self.env["crm.lead"].search_count([("phone_e164", "=", "+79990005566")]), 1)

    def test_unknown_queue_call_pops_up_nowhere(self):
        self._ring("+79990007788", extension="100")
        for user in (self.user_salesperson, self.user_salesperson_2, self.user_head, self.user_admin):
            self.assertFalse(self._popups(user), user.login)

    def test_create_lead(self):
        """ "Create lead" on a call without a lead: a lead in the pool, channel phone."""
        call = self.env["crm.call"].create(
            {
                "pbx_id": self.pbx.id,
                "external_id": "popup-no-lead",
                "number_raw": "8 (999) 000-11-22",
                "number_e164": "+79990001122",
                "extension": "101",
                "user_id": self.user_salesperson.id,
                "state": "ringing",
            }
        )
        action = call.with_user(self.user_salesperson).action_crm_popup_create_lead()
        lead = self.env["crm.lead"].browse(action["res_id"])
        self.assertEqual(call.lead_id, lead)
        self.assertEqual(lead.phone_e164, "+79990001122")
        self.assertFalse(lead.user_id)  # in the pool
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_phone"))
        self.assertTrue(lead.with_user(self.user_salesperson).has_access("read"))
        # Only the one the call rang for (or who may read the call) acts on it.
        with self.assertRaises(AccessError):
            call.with_user(self.user_salesperson_2).action_crm_popup_create_lead()

    def test_only_ringing_incoming_calls(self):
        """Answered, ended, outgoing calls and late "start" events of a known call do not pop up."""
        call = self._ring("+79153334455", call_id="popup-call-x")
        self.env["crm.call"]._crm_call_apply_event(
            self.pbx, self._event("+79153334455", kind="answer", call_id="popup-call-x")
        )
        self.assertEqual(call.state, "answered")
        self.env["crm.call"]._crm_call_apply_event(self.pbx, self._event("+79153334455", call_id="popup-call-x"))
        call._crm_call_notify_ringing()
        outgoing = self.env["crm.call"].create(
            {
                "pbx_id": self.pbx.id,
                "external_id": "popup-out",
                "direction": "out",
                "number_raw": "+79153334455",
                "user_id": self.user_salesperson.id,
                "state": "ringing",
            }
        )
        outgoing._crm_call_notify_ringing()
        self.assertEqual(len(self._popups(self.user_salesperson)), 1)

    def test_payload_is_built_for_the_recipient(self):
        """The payload reads as the recipient: a client of another company is not revealed."""
        foreign = self.env["res.partner"].create(
            {"name": "Foreign Client", "company_id": self.company_2.id, "phone": "+79150001212"}
        )
        call = self.env["crm.call"].create(
            {
                "pbx_id": self.pbx.id,
                "external_id": "popup-foreign",
                "number_e164": "+79150001212",
                "partner_id": foreign.id,
                "extension": "101",
                "user_id": self.user_salesperson.id,
                "state": "ringing",
            }
        )
        call._crm_call_notify_ringing()
        popup = self._popups(self.user_salesperson)[0]
        self.assertFalse(popup["known"])
        self.assertFalse(popup["partner"])
        self.assertNotIn("Foreign Client", json.dumps(popup))
