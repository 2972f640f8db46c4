from odoo.tests import HttpCase, tagged

from .common import CrmMobileCommon


class MyDayTourCase(HttpCase, CrmMobileCommon):
    """The My Day tour, run at desktop size and at phone size by the classes below."""

    def _run_my_day_tour(self):
        """A salesperson opens My Day, sees today's and overdue activities only, marks one done
        and finds it logged on the lead."""
        lead = self.env["crm.lead"].create(
            {"name": "Acme Tour Lead", "type": "opportunity", "user_id": self.user_salesperson.id}
        )
        colleague_lead = self.env["crm.lead"].create(
            {"name": "Globex Tour Lead", "type": "opportunity", "user_id": self.user_colleague.id}
        )
        sales = self.user_salesperson
        today = self._schedule(lead, sales, 0, self.activity_type_call, "Call Acme about the offer")
        overdue = self._schedule(lead, sales, -2, summary="Send Acme the price list")
        self._schedule(lead, sales, 1, summary="Tomorrow Acme meeting")
        self._schedule(colleague_lead, self.user_colleague, 0, summary="Colleague call to Globex")

        self.start_tour("/odoo", "crm_mobile_my_day", login=sales.login)

        self.assertFalse(today.exists())
        self.assertTrue(overdue.exists())
        done = lead.message_ids.filtered(lambda m: m.mail_activity_type_id == self.activity_type_call)
        self.assertEqual(done.author_id, sales.partner_id)


@tagged("post_install", "-at_install")
class TestMyDayTourDesktop(MyDayTourCase):
    def test_my_day_tour_desktop(self):
        self._run_my_day_tour()


@tagged("post_install", "-at_install")
class TestMyDayTourPhone(MyDayTourCase):
    """In Chromium at phone size (375x667) with touch, as in the Odoo mobile app."""

    browser_size = "375x667"
    touch_enabled = True

    def test_my_day_tour_phone(self):
        self._run_my_day_tour()
