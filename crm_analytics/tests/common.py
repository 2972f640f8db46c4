from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class CrmAnalyticsCommon(TransactionCase):
    """Users of each CRM role in the current company, plus a second company.

    Dependent addons reuse this base to test what each role may see in the
    sales analytics. Every user's password is their login.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Analytics Company B"})
        cls.user_salesperson = cls._create_crm_user("ana_salesperson", "crm_pipeline.group_crm_salesperson")
        cls.user_head = cls._create_crm_user("ana_head", "crm_pipeline.group_crm_head")
        cls.user_crm_admin = cls._create_crm_user("ana_crm_admin", "crm_pipeline.group_crm_admin")
        cls.user_marketer = cls._create_crm_user("ana_marketer", "crm_pipeline.group_crm_marketer")
        cls.user_marketer_b = cls._create_crm_user(
            "ana_marketer_b", "crm_pipeline.group_crm_marketer", company=cls.company_b
        )

    @classmethod
    def _create_crm_user(cls, login, groups, company=None):
        company = company or cls.company_a
        return new_test_user(
            cls.env,
            login=login,
            password=login,
            groups=f"base.group_user,{groups}",
            name=login.replace("_", " ").title(),
            email=f"{login}@example.com",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
            tz="UTC",
        )
