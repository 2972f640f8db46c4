from odoo.tests import HttpCase, tagged

from .test_timeline import TimelineCommon


@tagged("post_install", "-at_install")
class TestTimelineUi(HttpCase, TimelineCommon):
    """The timeline in the browser, as the salesperson of the client's order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_salesperson.tour_enabled = False

    def test_timeline_tour(self):
        """The salesperson opens the client, reads its Timeline page, keeps only the deliveries, opens
        the delivery, comes back and opens the timeline as a list filtered on meetings, then the meeting."""
        self.start_tour(
            "/odoo/res.partner/%d" % self.client.id,
            "crm_pipeline_timeline_tour",
            login=self.user_salesperson.login,
        )
