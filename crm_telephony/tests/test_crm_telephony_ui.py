from odoo.tests import HttpCase, tagged

from .common import TestCrmTelephonyCommon


@tagged("post_install", "-at_install")
class TestCrmTelephonyUi(HttpCase, TestCrmTelephonyCommon):
    def test_crm_pbx_tour(self):
        """The CRM administrator connects a PBX from the CRM configuration menu."""
        self.user_salesperson_2.name = "Tour Salesperson"
        self.start_tour("/odoo", "crm_telephony_pbx_tour", login=self.user_admin.login)

        pbx = self.env["crm.pbx"].search([("name", "=", "Tour PBX")])
        self.assertEqual(len(pbx), 1)
        self.assertEqual(pbx.kind, "zadarma")
        self.assertEqual(pbx.company_id, self.company)
        self.assertEqual(pbx.extension_ids.user_id, self.user_salesperson_2)
        self.assertEqual(pbx.extension_ids.extension, "205")
        self.assertTrue(pbx.webhook_token)
        self.assertEqual(self.user_salesperson_2.crm_phone_extension_ids, pbx.extension_ids)

    def test_crm_pbx_preferences_tour(self):
        """A salesperson sees their own extension, read-only, in their preferences."""
        self.start_tour("/odoo", "crm_telephony_preferences_tour", login=self.user_salesperson.login)
