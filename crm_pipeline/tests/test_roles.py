from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CrmPipelineCommon


@tagged("post_install", "-at_install")
class TestRoles(CrmPipelineCommon):
    """What each role of the sales department may do with leads and deals."""

    def _lead(self, user, **values):
        return self.env["crm.lead"].create(
            {
                "name": "Lead of %s" % (user.name if user else "the pool"),
                "user_id": user.id if user else False,
                "team_id": self.team.id,
                **values,
            }
        )

    def test_role_hierarchy(self):
        """Roles stack the way a sales department is organised, on Odoo's groups."""
        self.assertTrue(self.user_salesperson.has_group("sales_team.group_sale_salesman"))
        self.assertFalse(self.user_salesperson.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertTrue(self.user_head.has_group("crm_pipeline.group_crm_salesperson"))
        self.assertTrue(self.user_head.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertFalse(self.user_head.has_group("sales_team.group_sale_manager"))
        self.assertTrue(self.user_crm_admin.has_group("crm_pipeline.group_crm_head"))
        self.assertTrue(self.user_crm_admin.has_group("sales_team.group_sale_manager"))
        self.assertFalse(self.user_marketer.has_group("sales_team.group_sale_salesman"))
        self.assertTrue(self.env.ref("base.user_admin").has_group("crm_pipeline.group_crm_admin"))
        # the lead pool needs Odoo's "Leads" feature for everyone in the department
        for user in (self.user_salesperson, self.user_head, self.user_crm_admin, self.user_marketer):
            self.assertTrue(user.has_group("crm.group_use_lead"), user.login)

    def test_salesperson_sees_own_and_pool(self):
        mine = self._lead(self.user_salesperson)
        pool = self._lead(False)
        colleague = self._lead(self.user_salesperson_2)
        visible = (
            self.env["crm.lead"].with_user(self.user_salesperson).search([("id", "in", (mine + pool + colleague).ids)])
        )
        self.assertEqual(visible, mine + pool)
        with self.assertRaises(AccessError):
            colleague.with_user(self.user_salesperson).read(["name"])
        mine.with_user(self.user_salesperson).write({"expected_revenue": 150000})
        self.assertEqual(mine.expected_revenue, 150000)

    def test_head_sees_the_team(self):
        leads = self._lead(self.user_salesperson) + self._lead(self.user_salesperson_2) + self._lead(False)
        visible = self.env["crm.lead"].with_user(self.user_head).search([("id", "in", leads.ids)])
        self.assertEqual(visible, leads)
        leads.with_user(self.user_head).write({"user_id": self.user_salesperson_2.id})
        self.assertEqual(leads.user_id, self.user_salesperson_2)

    def test_marketer_reads_but_does_not_edit(self):
        lead = self._lead(self.user_salesperson, source_id=self.env.ref("utm.utm_source_search_engine").id)
        as_marketer = lead.with_user(self.user_marketer)
        self.assertEqual(as_marketer.read(["source_id"])[0]["source_id"][0], lead.source_id.id)
        with self.assertRaises(AccessError):
            as_marketer.write({"name": "Renamed by marketing"})
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.user_marketer).create({"name": "Marketing lead"})
        # ... but the marketer keeps the advertising channels up to date
        source = self.env["utm.source"].with_user(self.user_marketer).create({"name": "Yandex Direct"})
        self.assertTrue(source.exists())

    def test_only_the_administrator_configures_stages(self):
        stage = self.env["crm.stage"].search([], limit=1)
        with self.assertRaises(AccessError):
            stage.with_user(self.user_head).write({"name": "Renamed by head"})
        stage.with_user(self.user_crm_admin).write({"name": "Renamed by admin"})
        self.assertEqual(stage.name, "Renamed by admin")

    def test_multi_company(self):
        lead = self._lead(self.user_salesperson)
        foreign = self.env["crm.lead"].create({"name": "Other company lead", "company_id": self.other_company.id})
        visible = self.env["crm.lead"].with_user(self.user_head).search([("id", "in", (lead + foreign).ids)])
        self.assertEqual(visible, lead)
