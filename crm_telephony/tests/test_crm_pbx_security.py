from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import TestCrmTelephonyCommon

SECRET_FIELDS = ("webhook_token", "webhook_url", "hmac_secret", "api_key", "api_secret")


@tagged("post_install", "-at_install")
class TestCrmPbxSecurity(TestCrmTelephonyCommon):
    def test_sales_roles_read_pbx_but_not_secrets(self):
        for user in (self.user_salesperson, self.user_head):
            with self.subTest(user=user.login):
                pbx = self.pbx.with_user(user)
                self.assertEqual(
                    pbx.read(["name", "kind"]), [{"id": self.pbx.id, "name": "Office PBX", "kind": "generic"}]
                )
                self.assertEqual(
                    sorted(pbx.extension_ids.mapped("extension")), ["101", "102"], "extensions are readable"
                )
                self.assertEqual(self.env["crm.pbx"].with_user(user).search([]), self.pbx)
                for fname in SECRET_FIELDS:
                    with self.assertRaises(AccessError, msg=fname):
                        pbx.read([fname])
                    pbx.invalidate_recordset()
                    with self.assertRaises(AccessError, msg=fname):
                        pbx.mapped(fname)
                # Reading "everything" leaves the secrets out instead of failing.
                self.assertFalse(set(SECRET_FIELDS) & set(pbx.read()[0]))
                self.assertNotIn("hmac_secret", self.env["crm.pbx"].with_user(user).fields_get())

    def test_sales_roles_cannot_change_pbx(self):
        for user in (self.user_salesperson, self.user_head):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["crm.pbx"].with_user(user).create({"name": "My own PBX"})
                with self.assertRaises(AccessError):
                    self.pbx.with_user(user).write({"name": "Renamed"})
                with self.assertRaises(AccessError):
                    self.pbx.with_user(user).action_regenerate_webhook_token()
                with self.assertRaises(AccessError):
                    self.env["crm.pbx.extension"].with_user(user).create(
                        {"pbx_id": self.pbx.id, "user_id": user.id, "extension": "150"}
                    )
                with self.assertRaises(AccessError):
                    self.extension_salesperson.with_user(user).write({"extension": "199"})
                with self.assertRaises(AccessError):
                    self.pbx.with_user(user).unlink()
        self.assertEqual(self.pbx.name, "Office PBX")
        self.assertEqual(self.extension_salesperson.extension, "101")

    def test_marketer_has_no_access(self):
        with self.assertRaises(AccessError):
            self.pbx.with_user(self.user_marketer).read(["name"])
        with self.assertRaises(AccessError):
            self.extension_salesperson.with_user(self.user_marketer).read(["extension"])

    def test_admin_manages_pbx(self):
        PBX = self.env["crm.pbx"].with_user(self.user_admin)
        pbx = PBX.create(
            {
                "name": "Cloud PBX",
                "kind": "mango",
                "api_key": "vpbx-key",
                "api_secret": "vpbx-secret",
                "extension_ids": [Command.create({"user_id": self.user_salesperson.id, "extension": "201"})],
            }
        )
        self.assertEqual(pbx.company_id, self.company)
        self.assertEqual(pbx.api_key, "vpbx-key")
        self.assertEqual(pbx.api_secret, "vpbx-secret")
        self.assertTrue(pbx.hmac_secret)
        self.assertTrue(pbx.webhook_url)
        pbx.write(
            {
                "hmac_secret": "vendor-secret",
                "extension_ids": [Command.create({"user_id": self.user_head.id, "extension": "202"})],
            }
        )
        self.assertEqual(pbx.hmac_secret, "vendor-secret")
        self.assertEqual(sorted(pbx.extension_ids.mapped("extension")), ["201", "202"])
        pbx.extension_ids[0].unlink()
        self.assertEqual(len(pbx.extension_ids), 1)
        pbx.unlink()
        self.assertFalse(pbx.exists())

    def test_multi_company_isolation(self):
        pbx_2 = (
            self.env["crm.pbx"]
            .with_user(self.user_admin_company_2)
            .create(
                {
                    "name": "Branch PBX",
                    "extension_ids": [
                        Command.create({"user_id": self.user_salesperson_company_2.id, "extension": "101"})
                    ],
                }
            )
        )
        self.assertEqual(pbx_2.company_id, self.company_2)

        # Each company's users see their own PBX and extensions only.
        for user, own_pbx in (
            (self.user_admin, self.pbx),
            (self.user_salesperson, self.pbx),
            (self.user_admin_company_2, pbx_2),
            (self.user_salesperson_company_2, pbx_2),
        ):
            with self.subTest(user=user.login):
                self.assertEqual(self.env["crm.pbx"].with_user(user).search([]), own_pbx)
                self.assertEqual(
                    self.env["crm.pbx.extension"].with_user(user).search([]),
                    own_pbx.extension_ids,
                )
                other_pbx = (self.pbx | pbx_2) - own_pbx
                with self.assertRaises(AccessError):
                    other_pbx.with_user(user).read(["name"])
                with self.assertRaises(AccessError):
                    other_pbx.extension_ids.with_user(user).read(["extension"])

        # A PBX cannot move to a company its extensions' users do not work in.
        with self.assertRaises(UserError):
            self.pbx.company_id = self.company_2

        # A user allowed in both companies sees both, per the companies enabled.
        self.user_admin.company_ids = [Command.link(self.company_2.id)]
        PBX = self.env["crm.pbx"].with_user(self.user_admin)
        self.assertEqual(PBX.with_context(allowed_company_ids=[self.company.id]).search([]), self.pbx)
        self.assertEqual(
            PBX.with_context(allowed_company_ids=[self.company.id, self.company_2.id]).search([]), self.pbx | pbx_2
        )
