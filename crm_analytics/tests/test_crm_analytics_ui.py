from odoo.tests import HttpCase, tagged

from .common import CrmAnalyticsCommon


@tagged("post_install", "-at_install")
class TestCrmAnalyticsUi(HttpCase, CrmAnalyticsCommon):
    def test_lead_channels_tour_marketer(self):
        """The marketer opens Sales Analytics > Lead Channels, groups the pivot by source and reads the figures."""
        newsletter = self.env["utm.source"].create({"name": "Ana Tour Newsletter"})
        stage_won = self.env["crm.stage"].create({"name": "Ana Tour Won", "is_won": True, "sequence": 70})
        self.env["crm.lead"].create(
            [
                {
                    "name": "Tour newsletter lead",
                    "type": "opportunity",
                    "source_id": newsletter.id,
                    "company_id": self.company_a.id,
                    "user_id": self.user_salesperson.id,
                },
                {
                    "name": "Tour newsletter deal won",
                    "type": "opportunity",
                    "source_id": newsletter.id,
                    "stage_id": stage_won.id,
                    "company_id": self.company_a.id,
                    "user_id": self.user_salesperson.id,
                },
            ]
        )
        self.start_tour("/odoo", "crm_analytics_lead_channels", login=self.user_marketer.login)
