from odoo.tests import HttpCase, tagged

from .common import CrmPipelineCommon


@tagged("post_install", "-at_install")
class TestPoolUi(HttpCase, CrmPipelineCommon):
    def test_take_and_qualify_tour(self):
        """A salesperson opens the Lead Pool, takes a lead and qualifies it as ours."""
        stage = self.env["crm.stage"].create({"name": "Tour: first contact", "sequence": 401})
        deal_type = self.env["crm.deal.type"].create({"name": "Tour quick sale", "stage_ids": [(6, 0, stage.ids)]})
        self.team.deal_type_id = deal_type
        lead = self.env["crm.lead"].create(
            {
                "name": "Tour: 20 pumps needed",
                "type": "lead",
                "user_id": False,
                "team_id": self.team.id,
                "partner_name": "OOO Tour Client",
                "contact_name": "Tour Contact",
                "email_from": "contact@tour-client.example",
            }
        )
        self.start_tour("/odoo", "crm_pipeline_qualify_tour", login=self.user_salesperson.login)
        self.assertEqual(lead.user_id, self.user_salesperson)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.deal_type_id, deal_type)
        self.assertEqual(lead.stage_id, stage)
        self.assertEqual(lead.partner_id.parent_id.name, "OOO Tour Client")
