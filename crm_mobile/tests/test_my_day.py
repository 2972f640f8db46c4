from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged
from odoo.tools.safe_eval import safe_eval

from .common import CrmMobileCommon


@tagged("post_install", "-at_install")
# "today" and "overdue" are relative to the day: a run crossing midnight (in the users' UTC) between
# the set-up and a test must not turn today's activities into overdue ones
@freeze_time("2026-06-15 12:00:00")
class TestMyDay(CrmMobileCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead = cls.env["crm.lead"]
        cls.lead_own = Lead.create(
            {"name": "Mobile Acme deal", "type": "opportunity", "user_id": cls.user_salesperson.id}
        )
        cls.lead_colleague = Lead.create(
            {"name": "Mobile Globex deal", "type": "opportunity", "user_id": cls.user_colleague.id}
        )
        cls.partner = cls.env["res.partner"].create({"name": "Mobile Initech"})
        sales, colleague = cls.user_salesperson, cls.user_colleague
        cls.own_today = cls._schedule(cls.lead_own, sales, 0, cls.activity_type_call, "Call Acme about the offer")
        cls.own_overdue = cls._schedule(cls.lead_own, sales, -3, summary="Send Acme the price list")
        cls.own_long_overdue = cls._schedule(cls.partner, sales, -40, summary="Visit Initech")
        cls.own_tomorrow = cls._schedule(cls.lead_own, sales, 1, summary="Prepare the Acme meeting")
        cls.own_next_week = cls._schedule(cls.partner, sales, 7, summary="Initech follow-up")
        cls.colleague_today = cls._schedule(cls.lead_colleague, colleague, 0, summary="Call Globex")
        cls.colleague_overdue = cls._schedule(cls.lead_own, colleague, -1, summary="Colleague's reminder on Acme")

    def _my_day(self, user, extra_domain=()):
        Activity = self.env["mail.activity"].with_user(user)
        return Activity.search(self._my_day_domain(user) + list(extra_domain))

    def _search_filter(self, name):
        arch = etree.fromstring(self.env.ref("crm_mobile.mail_activity_view_search_my_day").arch)
        [node] = arch.xpath(f"//filter[@name='{name}']")
        return safe_eval(node.get("domain"), {"context_today": lambda: self.today})

    def test_my_day_has_own_today_and_overdue_only(self):
        """The salesperson's My Day holds their activities due today or overdue, on any document."""
        self.assertEqual(
            self._my_day(self.user_salesperson),
            self.own_today | self.own_overdue | self.own_long_overdue,
        )

    def test_my_day_of_colleague(self):
        """The colleague's My Day holds their own activities, also on a lead they do not own."""
        self.assertEqual(self._my_day(self.user_colleague), self.colleague_today | self.colleague_overdue)

    def test_filters_today_and_overdue(self):
        """The Today and Overdue filters split My Day."""
        user = self.user_salesperson
        self.assertEqual(self._my_day(user, self._search_filter("filter_today")), self.own_today)
        self.assertEqual(
            self._my_day(user, self._search_filter("filter_overdue")),
            self.own_overdue | self.own_long_overdue,
        )

    def test_card_states(self):
        """The card shows overdue activities in red using the activity's own state."""
        activities = (self.own_today | self.own_overdue).with_user(self.user_salesperson)
        self.assertEqual(activities.mapped("state"), ["today", "overdue"])

    def test_mark_done_posts_on_the_record(self):
        """Done removes the activity from My Day and logs it on the lead's chatter."""
        user = self.user_salesperson
        self.own_today.with_user(user).action_done()
        self.assertFalse(self.own_today.exists())
        self.assertEqual(self._my_day(user), self.own_overdue | self.own_long_overdue)
        message = self.lead_own.message_ids.filtered(lambda m: m.mail_activity_type_id == self.activity_type_call)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, user.partner_id)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_activities"))
        self.assertIn("Call Acme about the offer", message.body)
        # the other activities are untouched
        self.assertTrue(self.own_tomorrow.exists())
        self.assertEqual(self._my_day(self.user_colleague), self.colleague_today | self.colleague_overdue)

    def test_mark_done_on_other_documents(self):
        """Done works the same on an activity about a contact."""
        self.own_long_overdue.with_user(self.user_salesperson).action_done()
        self.assertFalse(self.own_long_overdue.exists())
        self.assertIn("Visit Initech", self.partner.message_ids[0].body)

    def test_cannot_mark_done_a_colleagues_activity(self):
        """A salesperson cannot close an activity of a colleague's lead."""
        with self.assertRaises(AccessError):
            self.colleague_today.with_user(self.user_salesperson).action_done()
        self.assertTrue(self.colleague_today.exists())

    def test_tap_opens_the_document(self):
        """Tapping a card opens the record the activity is about."""
        action = self.own_overdue.with_user(self.user_salesperson).action_open_document()
        self.assertEqual((action["res_model"], action["res_id"]), ("crm.lead", self.lead_own.id))
        action = self.own_long_overdue.with_user(self.user_salesperson).action_open_document()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.partner.id))

    def test_menu_for_salespeople(self):
        """My Day is in the CRM menu of every salesperson role, not of the marketer."""
        menu = self.env.ref("crm_mobile.mail_activity_menu_my_day")
        self.assertEqual(menu.parent_id, self.env.ref("crm.crm_menu_root"))
        visible = {
            user: menu.id in self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            for user in (self.user_salesperson, self.user_head, self.user_crm_admin, self.user_marketer)
        }
        self.assertEqual(
            visible,
            {
                self.user_salesperson: True,
                self.user_head: True,
                self.user_crm_admin: True,
                self.user_marketer: False,
            },
        )
