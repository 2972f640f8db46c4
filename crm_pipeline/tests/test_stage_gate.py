from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_deal_type import DealTypeCommon


@tagged("post_install", "-at_install")
class TestStageGate(DealTypeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.incoming, cls.meeting, cls.proposal = cls.quick_stages
        cls.field_deadline = cls.env["ir.model.fields"]._get("crm.lead", "date_deadline")
        cls.field_revenue = cls.env["ir.model.fields"]._get("crm.lead", "expected_revenue")

    def test_required_fields_refused_then_passed(self):
        self.meeting.gate_required_field_ids = self.field_deadline | self.field_revenue
        deal = self._new_deal(name="Lighting for school 12")
        with self.assertRaises(UserError) as error:
            deal.with_user(self.user_salesperson).write({"stage_id": self.meeting.id})
        message = str(error.exception)
        self.assertIn("Lighting for school 12", message, "the refusal names the deal")
        self.assertIn("Meeting", message, "the refusal names the stage")
        self.assertIn("Expected Closing", message, "the refusal names the missing field by its label")
        self.assertIn("Expected Revenue", message)
        self.assertEqual(deal.stage_id, self.incoming, "the move was rolled back")
        # the fields filled in the same save count (form save, import)
        deal.with_user(self.user_salesperson).write(
            {"stage_id": self.meeting.id, "date_deadline": fields.Date.today(), "expected_revenue": 150000}
        )
        self.assertEqual(deal.stage_id, self.meeting)

    def test_required_field_message_only_lists_missing(self):
        self.meeting.gate_required_field_ids = self.field_deadline | self.field_revenue
        deal = self._new_deal(expected_revenue=1000)
        problems = deal._crm_pipeline_check_stage_gate(self.meeting, previous_stage=self.incoming)
        self.assertEqual(len(problems), 1)
        self.assertIn("Expected Closing", problems[0])
        self.assertNotIn("Expected Revenue", problems[0])

    def test_condition_quotation_sent(self):
        self.proposal.write(
            {
                "gate_condition_domain": "[('order_ids.state', '=', 'sent')]",
                "gate_condition_message": "A quotation has been sent",
            }
        )
        deal = self._new_deal(partner_id=self.client.id, stage_id=self.meeting.id)
        with self.assertRaises(UserError) as error:
            deal.with_user(self.user_salesperson).stage_id = self.proposal
        self.assertIn("A quotation has been sent", str(error.exception))
        order = (
            self.env["sale.order"]
            .with_user(self.user_salesperson)
            .create({"partner_id": self.client.id, "opportunity_id": deal.id})
        )
        with self.assertRaises(UserError):
            deal.with_user(self.user_salesperson).stage_id = self.proposal  # a draft quotation is not enough
        order.action_quotation_sent()
        self.assertEqual(order.state, "sent")
        deal.with_user(self.user_salesperson).stage_id = self.proposal
        self.assertEqual(deal.stage_id, self.proposal)

    def test_allowed_next_stages(self):
        self.incoming.gate_allowed_next_stage_ids = self.meeting
        deal = self._new_deal()
        with self.assertRaises(UserError) as error:
            deal.with_user(self.user_salesperson).stage_id = self.proposal
        self.assertIn("Meeting", str(error.exception), "the refusal lists the allowed stages")
        deal.with_user(self.user_salesperson).stage_id = self.meeting
        self.assertEqual(deal.stage_id, self.meeting)
        # Odoo's "Won" button is never blocked by the allowed next stages
        other = self._new_deal()
        other.with_user(self.user_salesperson).action_set_won()
        self.assertEqual(other.stage_id, self.won_stage)
        # and lost/restore are not stage moves
        deal.with_user(self.user_salesperson).action_set_lost()
        deal.with_user(self.user_salesperson).toggle_active()
        self.assertTrue(deal.active)

    def test_gate_applies_to_rpc_batches_and_import(self):
        self.meeting.gate_required_field_ids = self.field_deadline
        ready = self._new_deal(name="Ready deal", date_deadline=fields.Date.today())
        missing = self._new_deal(name="Deal without closing date")
        with self.assertRaises(UserError) as error:
            (ready | missing).with_user(self.user_salesperson).write({"stage_id": self.meeting.id})
        self.assertIn("Deal without closing date", str(error.exception))
        self.assertNotIn("Ready deal", str(error.exception))
        self.assertEqual((ready | missing).stage_id, self.incoming, "the whole batch is refused")
        # import (base_import goes through load())
        result = (
            self.env["crm.lead"]
            .with_user(self.user_salesperson)
            .load([".id", "stage_id/id"], [[str(missing.id), "crm_pipeline.crm_stage_quick_meeting"]])
        )
        self.assertFalse(result["ids"])
        self.assertIn("Expected Closing", " ".join(message["message"] for message in result["messages"]))
        # creating a deal directly in a gated stage is checked too
        with self.assertRaises(UserError):
            self._new_deal(stage_id=self.meeting.id)
        # and so is a quick create in a kanban column (the column comes as default_stage_id)
        with self.assertRaises(UserError):
            self.env["crm.lead"].with_user(self.user_salesperson).with_context(
                default_stage_id=self.meeting.id, default_type="opportunity"
            ).create({"name": "Quick-created in the Meeting column", "team_id": self.team.id})

    def test_no_gate_configured_no_check(self):
        deal = self._new_deal()
        for stage in (self.meeting, self.proposal):
            deal.with_user(self.user_salesperson).stage_id = stage
        self.assertEqual(deal.stage_id, self.proposal)
        self.assertEqual(deal._crm_pipeline_check_stage_gate(self.proposal, previous_stage=self.meeting), [])
