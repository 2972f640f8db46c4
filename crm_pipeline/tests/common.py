from odoo.tests import common, new_test_user


class CrmPipelineCommon(common.TransactionCase):
    """Users of each role of the sales department, for this addon's tests and
    for the addons that depend on it.

    Two teams, each with a leader, so that "the team" and "someone else's"
    records can be told apart; a second company for multi-company checks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "CRM Pipeline Other Company"})
        ctx = {"lang": "en_US"}
        cls.user_salesperson = new_test_user(
            cls.env,
            login="crm_sales_1",
            name="Sasha Salesperson",
            groups="crm_pipeline.group_crm_salesperson",
            context=ctx,
        )
        cls.user_salesperson_2 = new_test_user(
            cls.env,
            login="crm_sales_2",
            name="Boris Salesperson",
            groups="crm_pipeline.group_crm_salesperson",
            context=ctx,
        )
        cls.user_head = new_test_user(
            cls.env,
            login="crm_head",
            name="Helena Head",
            groups="crm_pipeline.group_crm_head",
            context=ctx,
        )
        cls.user_marketer = new_test_user(
            cls.env,
            login="crm_marketer",
            name="Marina Marketer",
            groups="crm_pipeline.group_crm_marketer",
            context=ctx,
        )
        cls.user_crm_admin = new_test_user(
            cls.env,
            login="crm_admin",
            name="Anton Administrator",
            groups="crm_pipeline.group_crm_admin",
            context=ctx,
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "CRM Pipeline Team",
                "user_id": cls.user_head.id,
                "member_ids": [cls.user_salesperson.id, cls.user_salesperson_2.id],
            }
        )
        cls.client = cls.env["res.partner"].create(
            {"name": "OOO Romashka", "is_company": True, "phone": "+7 915 111-22-33", "email": "info@romashka.example"}
        )
