from odoo.tests import HttpCase, tagged

from .test_document_chain import DocumentChainCommon


@tagged("post_install", "-at_install")
class TestDealCardUi(HttpCase, DocumentChainCommon):
    """The deal card in the browser, as a salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_salesperson.tour_enabled = False

    def test_deal_card_document_chain_tour(self):
        """The salesperson opens the Documents page of a paid deal, sees the invoice and its payments, and
        follows the link to the sale order."""
        self.start_tour(
            "/odoo/action-crm.crm_lead_action_pipeline/%d" % self.deal.id,
            "crm_pipeline_deal_card_tour",
            login=self.user_salesperson.login,
        )
