from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import CrmPipelineCommon


@tagged("post_install", "-at_install")
class TestPipelineGateUi(CrmPipelineCommon, HttpCase):
    def test_gate_tour_salesperson(self):
        quick = self.env.ref("crm_pipeline.crm_deal_type_quick")
        offer = self.env["crm.stage"].create(
            {
                "name": "Gate Tour Offer",
                "sequence": 14,
                "gate_required_field_ids": [(6, 0, [self.env["ir.model.fields"]._get("crm.lead", "date_deadline").id])],
            }
        )
        quick.stage_ids = [(4, offer.id)]
        deal = (
            self.env["crm.lead"]
            .with_user(self.user_salesperson)
            .create(
                {
                    "name": "Gate tour deal",
                    "type": "opportunity",
                    "deal_type_id": quick.id,
                    "team_id": self.team.id,
                    "user_id": self.user_salesperson.id,
                    "partner_id": self.client.id,
                }
            )
        )
        self.assertNotEqual(deal.stage_id, offer)
        # the refusal is an expected UserError, which odoo.http logs as a warning
        with mute_logger("odoo.http"):
            self.start_tour(
                f"/odoo/action-crm.crm_lead_action_pipeline/{deal.id}", "crm_pipeline_gate_tour", login="crm_sales_1"
            )
        self.assertEqual(deal.stage_id, offer, "the move succeeded once the field was filled")
        self.assertEqual(str(deal.date_deadline), "2030-12-31")
        self.assertEqual(deal.stage_log_ids.sorted("id")[-1].stage_id, offer)
