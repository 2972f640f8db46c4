from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval


class CrmMobileCommon(TransactionCase):
    """Users of each CRM role and helpers to plan their activities.

    Dependent addons reuse this base to test phone screens as a real
    salesperson. Every user's password is their login; users are in UTC so
    that "today" is the same for them and for the test.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.user_salesperson = cls._create_crm_user("mob_salesperson", "crm_pipeline.group_crm_salesperson")
        cls.user_colleague = cls._create_crm_user("mob_colleague", "crm_pipeline.group_crm_salesperson")
        cls.user_head = cls._create_crm_user("mob_head", "crm_pipeline.group_crm_head")
        cls.user_crm_admin = cls._create_crm_user("mob_crm_admin", "crm_pipeline.group_crm_admin")
        cls.user_marketer = cls._create_crm_user("mob_marketer", "crm_pipeline.group_crm_marketer")
        cls.activity_type_call = cls.env.ref("mail.mail_activity_data_call")
        cls.activity_type_todo = cls.env.ref("mail.mail_activity_data_todo")
        # "Today" as the salesperson's own web client sees it (their time zone, not the test runner's).
        cls.today = fields.Date.context_today(cls.env["mail.activity"].with_user(cls.user_salesperson))

    @classmethod
    def _create_crm_user(cls, login, groups):
        return new_test_user(
            cls.env,
            login=login,
            password=login,
            groups=f"base.group_user,{groups}",
            name=login.replace("_", " ").title(),
            email=f"{login}@example.com",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            tz="UTC",
            tour_enabled=False,
        )

    @classmethod
    def _schedule(cls, record, user, days=0, activity_type=None, summary=False):
        """Plan an activity on ``record`` for ``user``, due ``days`` from today (negative: overdue)."""
        return record.activity_schedule(
            activity_type_id=(activity_type or cls.activity_type_todo).id,
            summary=summary,
            date_deadline=cls.today + timedelta(days=days),
            user_id=user.id,
            automated=False,
        )

    def _my_day_domain(self, user):
        """The domain of the My Day action, evaluated the way the web client does for ``user``."""
        action = self.env.ref("crm_mobile.mail_activity_action_my_day")
        activity_env = self.env["mail.activity"].with_user(user)
        return safe_eval(
            action.domain,
            {
                "uid": user.id,
                "context_today": lambda: fields.Date.context_today(activity_env),
                "datetime": safe_datetime,
            },
        )
