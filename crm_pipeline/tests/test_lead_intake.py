from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CrmPipelineCommon


@tagged("post_install", "-at_install")
class TestLeadIntake(CrmPipelineCommon):
    """Identification of the client and SLA deadline of incoming leads."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.ru")
        cls.source = cls.env["utm.source"].create({"name": "Yandex Direct"})
        cls.medium = cls.env["utm.medium"].create({"name": "cpc"})
        cls.campaign = cls.env["utm.campaign"].create({"name": "Spring pumps"})

    def _intake(self, **values):
        """A request arriving in the pool: unassigned, in the team (created by a salesperson)."""
        vals = {"name": "Request", "type": "lead", "user_id": False, "team_id": self.team.id}
        vals.update(values)
        return self.env["crm.lead"].with_user(self.user_salesperson).create(vals)

    def test_phone_formats_match_same_client(self):
        """International, Russian trunk-prefix and bare-digit notations of one number find the client."""
        self.assertEqual(self.client.phone_e164, "+79151112233")
        for phone in ("+7 915 111-22-33", "8 (915) 111-22-33", "79151112233"):
            with self.subTest(phone=phone):
                lead = self._intake(name=f"Call from {phone}", phone=phone)
                self.assertEqual(lead.partner_id, self.client)
                self.assertEqual(lead.phone_sanitized, "+79151112233")
                # the lead keeps the number as it came in
                self.assertEqual(lead.phone, phone)

    def test_mobile_of_contact_person(self):
        """A number stored as mobile of the client's contact links the lead to that contact."""
        contact = self.env["res.partner"].create(
            {"name": "Ivan Petrov", "parent_id": self.client.id, "mobile": "+7 (916) 222-33-44"}
        )
        lead = self._intake(mobile="89162223344")
        self.assertEqual(lead.partner_id, contact)
        self.assertEqual(lead.partner_id.commercial_partner_id, self.client)
        self.assertEqual(lead.partner_name, self.client.name)

    def test_email_fallback(self):
        """Unknown phone: the normalised e-mail identifies the client."""
        lead = self._intake(phone="+7 495 000-00-01", email_from='"Romashka" <INFO@Romashka.example>')
        self.assertEqual(lead.partner_id, self.client)
        # the known client's own data is not overwritten by what the request says
        self.assertEqual(self.client.phone, "+7 915 111-22-33")
        self.assertEqual(lead.phone, "+7 495 000-00-01")
        unknown = self._intake(phone="+7 495 000-00-01", email_from="nobody@unknown.example")
        self.assertFalse(unknown.partner_id)

    def test_ambiguous_phone_not_linked(self):
        """Two different clients with the same number: a human decides, nothing is linked."""
        self.env["res.partner"].create({"name": "OOO Vasilek", "is_company": True, "phone": "8 915 111 22 33"})
        lead = self._intake(phone="+79151112233", email_from="info@romashka.example")
        self.assertFalse(lead.partner_id)

    def test_batch_identification(self):
        """A batch of requests is identified in one go, each to its own client."""
        other = self.env["res.partner"].create(
            {"name": "OOO Vasilek", "is_company": True, "email": "buy@vasilek.example"}
        )
        leads = (
            self.env["crm.lead"]
            .with_user(self.user_salesperson)
            .create(
                [
                    {"name": "A", "user_id": False, "team_id": self.team.id, "phone": "8 915 111 22 33"},
                    {"name": "B", "user_id": False, "team_id": self.team.id, "email_from": "buy@vasilek.example"},
                    {"name": "C", "user_id": False, "team_id": self.team.id, "phone": "+7 903 999-88-77"},
                ]
            )
        )
        self.assertEqual(leads.mapped("partner_id"), self.client | other)
        self.assertEqual(leads[0].partner_id, self.client)
        self.assertEqual(leads[1].partner_id, other)
        self.assertFalse(leads[2].partner_id)

    def test_duplicates_flagged(self):
        """A second request with the same phone is flagged, as Odoo's duplicate detection sees it."""
        first = self._intake(phone="+7 903 555-44-33")
        self.assertFalse(first.is_duplicate_suspect)
        self.assertEqual(first.duplicate_lead_count, 0)
        second = self._intake(phone="8 903 555 44 33", name="Second call")
        self.assertTrue(second.is_duplicate_suspect)
        self.assertIn(first, second.duplicate_lead_ids)
        by_email = self._intake(email_from="ceo@newclient.example")
        self.assertFalse(by_email.is_duplicate_suspect)
        same_domain = self._intake(email_from="buyer@newclient.example")
        self.assertTrue(same_domain.is_duplicate_suspect)
        self.assertGreater(same_domain.duplicate_lead_count, 0)
        # same client through a different contact: same commercial entity
        self._intake(phone="+7 915 111-22-33")
        contact = self.env["res.partner"].create({"name": "Olga", "parent_id": self.client.id})
        via_contact = self._intake(partner_id=contact.id)
        self.assertTrue(via_contact.is_duplicate_suspect)

    def test_channel_and_sla_deadline(self):
        """The channel stays on the lead; the deadline is creation + the team's SLA (default 2 hours)."""
        self.assertEqual(self.team.response_sla_hours, 2)
        self.team.response_sla_hours = 4
        lead = self._intake(source_id=self.source.id, medium_id=self.medium.id, campaign_id=self.campaign.id)
        self.assertEqual((lead.source_id, lead.medium_id, lead.campaign_id), (self.source, self.medium, self.campaign))
        self.assertEqual(lead.response_deadline, lead.create_date + timedelta(hours=4))
        self.assertFalse(lead.first_response_date)
        self.assertFalse(lead.is_response_overdue)
        other_team = self.env["crm.team"].create({"name": "No SLA configured"})
        lead_2 = self._intake(team_id=other_team.id)
        self.assertEqual(lead_2.response_deadline, lead_2.create_date + timedelta(hours=2))
        # past the deadline without any response: overdue
        lead.response_deadline = fields.Datetime.now() - timedelta(minutes=1)
        self.assertTrue(lead.is_response_overdue)

    def test_first_response(self):
        """Notes don't count; a message to the client or a done activity does; own leads are answered."""
        lead = self._intake(email_from="client@newclient.example")
        lead_as_sales = lead.with_user(self.user_salesperson)
        lead_as_sales.message_post(body="internal remark", subtype_xmlid="mail.mt_note")
        self.assertFalse(lead.first_response_date)
        lead_as_sales.message_post(body="Hello, we got your request", subtype_xmlid="mail.mt_comment")
        self.assertTrue(lead.first_response_date)

        other = self._intake(email_from="other@newclient2.example")
        activity = other.activity_schedule("mail.mail_activity_data_call", user_id=self.user_salesperson.id)
        self.assertFalse(other.first_response_date)
        activity.with_user(self.user_salesperson).action_feedback(feedback="Called back")
        self.assertTrue(other.first_response_date)

        own = self.env["crm.lead"].with_user(self.user_salesperson).create({"name": "Walk-in client"})
        self.assertEqual(own.user_id, self.user_salesperson)
        self.assertTrue(own.first_response_date)
