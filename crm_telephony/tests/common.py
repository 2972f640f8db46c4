from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class TestCrmTelephonyCommon(TransactionCase):
    """Users of each role in two companies and a configured PBX.

    Reused by the tests of the telephony features built on top of PBX
    connections (calls, routing, webhooks).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.company_2 = cls.env["res.company"].create({"name": "Telephony Second Company"})

        def user(login, group, company, **kwargs):
            return new_test_user(
                cls.env,
                login=login,
                groups=f"base.group_user,{group}",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
                **kwargs,
            )

        cls.user_salesperson = user("tel_salesperson", "crm_pipeline.group_crm_salesperson", cls.company)
        cls.user_salesperson_2 = user("tel_salesperson_two", "crm_pipeline.group_crm_salesperson", cls.company)
        cls.user_head = user("tel_head_of_sales", "crm_pipeline.group_crm_head", cls.company)
        cls.user_admin = user("tel_crm_admin", "crm_pipeline.group_crm_admin", cls.company)
        cls.user_marketer = user("tel_marketer", "crm_pipeline.group_crm_marketer", cls.company)
        cls.user_admin_company_2 = user("tel_crm_admin_two", "crm_pipeline.group_crm_admin", cls.company_2)
        cls.user_salesperson_company_2 = user(
            "tel_salesperson_company_two", "crm_pipeline.group_crm_salesperson", cls.company_2
        )

        cls.pbx = cls.env["crm.pbx"].create(
            {
                "name": "Office PBX",
                "kind": "generic",
                "company_id": cls.company.id,
                "default_queue_extension": "100",
                "api_key": "office-api-key",
                "api_secret": "office-api-secret",
                "extension_ids": [
                    Command.create({"user_id": cls.user_salesperson.id, "extension": "101"}),
                    Command.create({"user_id": cls.user_head.id, "extension": "102"}),
                ],
            }
        )
        cls.extension_salesperson = cls.pbx.extension_ids.filtered(lambda e: e.user_id == cls.user_salesperson)
        cls.extension_head = cls.pbx.extension_ids.filtered(lambda e: e.user_id == cls.user_head)
