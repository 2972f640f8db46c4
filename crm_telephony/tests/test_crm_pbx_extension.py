from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import TestCrmTelephonyCommon


@tagged("post_install", "-at_install")
class TestCrmPbxExtension(TestCrmTelephonyCommon):
    def _create(self, **values):
        return self.env["crm.pbx.extension"].create(
            {"pbx_id": self.pbx.id, "user_id": self.user_salesperson_2.id, "extension": "103", **values}
        )

    def test_extension_digits_only(self):
        for bad in ("10a", "1 01", "+101", "101#", "\u0661\u0660\u0661", ""):
            with self.subTest(extension=bad), self.assertRaises(ValidationError) as caught:
                self._create(extension=bad)
            self.assertIn("digits only", str(caught.exception))
        line = self._create(extension="0103")
        self.assertEqual(line.extension, "0103", "leading zeros are kept")
        with self.assertRaises(ValidationError) as caught:
            line.extension = "ext 5"
        self.assertIn("digits only", str(caught.exception))

    def test_extension_unique_per_pbx(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError) as caught:
            self._create(extension=self.extension_salesperson.extension)
        self.assertIn("crm_pbx_extension_pbx_extension_unique", str(caught.exception))

    def test_same_extension_on_another_pbx(self):
        other_pbx = self.env["crm.pbx"].create({"name": "Warehouse PBX"})
        line = self.env["crm.pbx.extension"].create(
            {"pbx_id": other_pbx.id, "user_id": self.user_salesperson.id, "extension": "101"}
        )
        self.assertEqual(self.user_salesperson.crm_phone_extension_ids, self.extension_salesperson | line)

    def test_user_unique_per_pbx(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError) as caught:
            self._create(user_id=self.user_salesperson.id, extension="199")
        self.assertIn("crm_pbx_extension_pbx_user_unique", str(caught.exception))

    def test_user_of_another_company(self):
        with self.assertRaises(UserError):
            self._create(user_id=self.user_salesperson_company_2.id)

    def test_display_name(self):
        self.assertEqual(self.extension_salesperson.display_name, f"101 ({self.user_salesperson.name})")

    def test_user_sees_own_extensions(self):
        """A salesperson reads their own extension on their user, as the preferences form does."""
        me = self.user_salesperson.with_user(self.user_salesperson)
        self.assertEqual(me.crm_phone_extension_ids, self.extension_salesperson)
        data = me.web_read(
            {
                "name": {},
                "crm_phone_extension_ids": {
                    "fields": {"pbx_id": {"fields": {"display_name": {}}}, "extension": {}},
                },
            }
        )
        self.assertEqual(
            data[0]["crm_phone_extension_ids"],
            [
                {
                    "id": self.extension_salesperson.id,
                    "pbx_id": {"id": self.pbx.id, "display_name": "Office PBX"},
                    "extension": "101",
                }
            ],
        )
        self.assertTrue(
            me.fields_get(["crm_phone_extension_ids"])["crm_phone_extension_ids"]["readonly"],
            "a user cannot edit their extensions",
        )

    def test_search_users_by_extension(self):
        users = self.env["res.users"].search([("crm_phone_extension_ids.extension", "=", "102")])
        self.assertEqual(users, self.user_head)
        users = self.env["res.users"].search([("crm_phone_extension_ids.pbx_id", "=", self.pbx.id)])
        self.assertEqual(users, self.user_salesperson | self.user_head)

    def test_archived_extension_hidden_from_user(self):
        self.extension_salesperson.active = False
        self.assertFalse(self.user_salesperson.crm_phone_extension_ids)
        self.assertFalse(self.env["res.users"].search([("crm_phone_extension_ids.extension", "=", "101")]))
