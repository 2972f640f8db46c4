from dateutil.relativedelta import relativedelta

from odoo.tests import HttpCase, tagged

from .test_campaign import CampaignCommon


@tagged("post_install", "-at_install")
class TestCampaignUi(HttpCase, CampaignCommon):
    def test_campaign_from_preset_to_deal_tour(self):
        """The head creates a campaign from a preset and starts it; the salesperson opens My Call
        Tasks and records "deal created" on the lapsed client's task."""
        lapsed = self._client("Tour Client Lapsed", phone="+7 915 444-55-66")
        self._order(lapsed, relativedelta(months=5))
        recent = self._client("Tour Client Recent")
        self._order(recent, relativedelta(months=5))
        self._order(recent, relativedelta(days=10))

        self.start_tour("/odoo", "telephony_campaign_tour", login=self.user_head.login)
        campaign = self.env["crm.call.campaign"].search([("name", "=", "Tour: lapsed clients")])
        self.assertEqual(campaign.state, "running")
        self.assertEqual((campaign.target_preset, campaign.lapsed_months), ("lapsed", 3))
        self.assertEqual(campaign.user_id, self.user_head)
        self.assertEqual(sorted(campaign.task_ids.partner_id.ids), sorted(campaign._crm_target_ids()))
        self.assertIn(lapsed, campaign.task_ids.partner_id)
        self.assertNotIn(recent, campaign.task_ids.partner_id)
        self.assertEqual(campaign.task_ids.user_id, self.user_salesperson)

        self.start_tour("/odoo", "telephony_campaign_caller_tour", login=self.user_salesperson.login)
        task = campaign.task_ids.filtered(lambda t: t.partner_id == lapsed)
        self.assertEqual((task.state, task.result, task.attempt_count), ("done", "deal_created", 1))
        self.assertEqual(task.note, "Wants a quotation for 500 m of cable")
        lead = task.lead_id
        self.assertEqual(lead.partner_id, lapsed)
        self.assertEqual(lead.user_id, self.user_salesperson)
        self.assertEqual(lead.campaign_id, campaign.utm_campaign_id)
        self.assertEqual(lead.source_id, self.env.ref("crm_telephony.utm_source_telemarketing"))
