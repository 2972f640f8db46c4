from odoo.tests import HttpCase, tagged

from .test_portrait import PortraitCommon


@tagged("post_install", "-at_install")
class TestClientCardUi(HttpCase, PortraitCommon):
    """The client's card in the browser, as its salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_salesperson.tour_enabled = False

    def test_client_card_tour(self):
        """The salesperson reads the portrait, records a complaint from the card and finds it listed."""
        self.start_tour(
            "/odoo/action-base.action_partner_form/%d" % self.client.id,
            "crm_pipeline_client_card_tour",
            login=self.user_salesperson.login,
        )
        complaint = self.env["crm.complaint"].search([("commercial_partner_id", "=", self.client.id)])
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.category_id, self.env.ref("crm_pipeline.crm_complaint_category_delivery_delay"))
        self.assertEqual(complaint.severity, "critical")
        self.assertEqual(complaint.description, "The cable came a week late")
        self.assertEqual(complaint.user_id, self.user_salesperson)
        self.assertEqual(complaint.state, "new")
