from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import CrmPipelineCommon


@tagged("post_install", "-at_install")
class TestQualification(CrmPipelineCommon):
    """Ours -> a deal of a deal type in its first stage with its client; not ours -> lost with a reason."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.ru")
        Stage = cls.env["crm.stage"]
        cls.stage_first = Stage.create({"name": "Quick: request", "sequence": 201})
        cls.stage_second = Stage.create({"name": "Quick: proposal", "sequence": 202})
        cls.deal_type = cls.env["crm.deal.type"].create(
            {"name": "Quick sale", "stage_ids": [(6, 0, (cls.stage_first | cls.stage_second).ids)]}
        )
        cls.stage_tender = Stage.create({"name": "Tender: documents", "sequence": 301})
        cls.deal_type_tender = cls.env["crm.deal.type"].create(
            {"name": "Tender", "stage_ids": [(6, 0, cls.stage_tender.ids)]}
        )
        cls.team.deal_type_id = cls.deal_type
        cls.lost_reason = cls.env["crm.lost.reason"].create({"name": "Retail customer, we sell wholesale"})

    def _pool_lead(self, **values):
        vals = {
            "name": "Need 20 pumps",
            "type": "lead",
            "user_id": False,
            "team_id": self.team.id,
            "partner_name": "OOO Novy Klient",
            "contact_name": "Pavel Smirnov",
            "email_from": "pavel@novy.example",
            "phone": "+7 903 123-45-67",
        }
        vals.update(values)
        lead = self.env["crm.lead"].create(vals)
        lead.with_user(self.user_salesperson).action_take()
        return lead.with_user(self.user_salesperson)

    def _qualify(self, lead):
        return Form(self.env["crm.lead.qualify"].with_user(self.user_salesperson).with_context(default_lead_id=lead.id))

    def test_ours_new_client(self):
        lead = self._pool_lead()
        with self._qualify(lead) as wizard:
            self.assertEqual(wizard.decision, "ours")
            self.assertEqual(wizard.deal_type_id, self.deal_type)  # the team's deal type
            self.assertEqual(wizard.partner_action, "create")
        action = wizard.record.action_apply()
        self.assertEqual(action["res_id"], lead.id)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.deal_type_id, self.deal_type)
        self.assertEqual(lead.stage_id, self.stage_first)
        self.assertEqual(lead.user_id, self.user_salesperson)
        contact = lead.partner_id
        self.assertEqual(contact.name, "Pavel Smirnov")
        self.assertEqual(contact.parent_id.name, "OOO Novy Klient")
        self.assertTrue(contact.parent_id.is_company)
        self.assertEqual(contact.user_id, self.user_salesperson)
        self.assertEqual(contact.phone_e164, "+79031234567")
        self.assertFalse(lead.is_repeat_sale)

    def test_ours_existing_client_other_type(self):
        """Identified client: a new contact person under it, the chosen deal type's first stage."""
        lead = self._pool_lead(phone="8 915 111 22 33", partner_name=False, email_from="pavel@romashka.example")
        self.assertEqual(lead.partner_id, self.client)
        with self._qualify(lead) as wizard:
            self.assertEqual(wizard.partner_action, "exist")
            self.assertEqual(wizard.partner_id, self.client)
            wizard.deal_type_id = self.deal_type_tender
        wizard.record.action_apply()
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.deal_type_id, self.deal_type_tender)
        self.assertEqual(lead.stage_id, self.stage_tender)
        self.assertEqual(lead.partner_id.name, "Pavel Smirnov")
        self.assertEqual(lead.partner_id.parent_id, self.client)

    def test_not_ours_requires_reason(self):
        lead = self._pool_lead()
        wizard = (
            self.env["crm.lead.qualify"]
            .with_user(self.user_salesperson)
            .create({"lead_id": lead.id, "decision": "not_ours"})
        )
        with self.assertRaisesRegex(UserError, "not ours"):
            wizard.action_apply()
        self.assertTrue(lead.active)
        with self._qualify(lead) as form:
            form.decision = "not_ours"
            form.lost_reason_id = self.lost_reason
            form.lost_feedback = "<p>Buys one pump a year</p>"
        form.record.action_apply()
        self.assertFalse(lead.active)
        self.assertEqual(lead.lost_reason_id, self.lost_reason)
        self.assertEqual(lead.probability, 0)
        self.assertEqual(lead.type, "lead")

    def test_repeat_sale(self):
        """A deal for a client who already bought (or won a deal) is a repeat sale."""
        Lead = self.env["crm.lead"].with_user(self.user_salesperson)
        first = Lead.create({"name": "First deal", "type": "opportunity", "partner_id": self.client.id})
        self.assertFalse(first.is_repeat_sale)
        product = self.env["product.product"].create({"name": "Pump", "list_price": 100})
        order = self.env["sale.order"].create(
            {"partner_id": self.client.id, "order_line": [(0, 0, {"product_id": product.id})]}
        )
        draft_deal = Lead.create({"name": "Quoted", "type": "opportunity", "partner_id": self.client.id})
        self.assertFalse(draft_deal.is_repeat_sale, "a quotation is not a sale")
        order.action_confirm()
        contact = self.env["res.partner"].create({"name": "Ivan", "parent_id": self.client.id})
        repeat = Lead.create({"name": "Second order", "type": "opportunity", "partner_id": contact.id})
        self.assertTrue(repeat.is_repeat_sale)

        won_client = self.env["res.partner"].create({"name": "OOO Won", "is_company": True})
        won = Lead.create({"name": "Won deal", "type": "opportunity", "partner_id": won_client.id})
        won.action_set_won()
        again = Lead.create({"name": "Again", "type": "opportunity", "partner_id": won_client.id})
        self.assertTrue(again.is_repeat_sale)
        self.assertFalse(won.is_repeat_sale)
