import re

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import TestCrmTelephonyCommon

URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


@tagged("post_install", "-at_install")
class TestCrmPbx(TestCrmTelephonyCommon):
    def test_webhook_token_generated_unique(self):
        """Each new PBX gets its own random, URL-safe token and signing secret."""
        pbxs = self.env["crm.pbx"].create([{"name": "PBX A"}, {"name": "PBX B", "kind": "zadarma"}])
        pbxs |= self.pbx
        tokens = pbxs.mapped("webhook_token")
        self.assertEqual(len(set(tokens)), 3, "every PBX must get a different token")
        for pbx in pbxs:
            self.assertTrue(URL_SAFE.fullmatch(pbx.webhook_token), pbx.webhook_token)
            self.assertGreaterEqual(len(pbx.webhook_token), 40, "32 random bytes make at least 40 characters")
            self.assertTrue(pbx.hmac_secret, "a signing secret is generated too")
            self.assertNotEqual(pbx.hmac_secret, pbx.webhook_token)
        self.assertEqual(len(set(pbxs.mapped("hmac_secret"))), 3)

    def test_webhook_token_kept_when_given(self):
        pbx = self.env["crm.pbx"].create({"name": "Imported PBX", "webhook_token": "imported-token"})
        self.assertEqual(pbx.webhook_token, "imported-token")

    def test_webhook_token_not_copied(self):
        copy = self.pbx.copy()
        self.assertTrue(copy.webhook_token)
        self.assertNotEqual(copy.webhook_token, self.pbx.webhook_token)
        self.assertNotEqual(copy.hmac_secret, self.pbx.hmac_secret)
        self.assertFalse(copy.api_secret, "vendor secrets are not duplicated")

    def test_webhook_url(self):
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", "https://crm.example.com")
        self.pbx.invalidate_recordset(["webhook_url"])
        self.assertEqual(
            self.pbx.webhook_url,
            f"https://crm.example.com/crm_telephony/webhook/{self.pbx.webhook_token}",
        )

    def test_webhook_token_regenerate(self):
        """Regenerating gives a new token and URL, and leaves a trace in the chatter."""
        old_token = self.pbx.webhook_token
        old_url = self.pbx.webhook_url
        messages_before = self.pbx.message_ids
        self.pbx.with_user(self.user_admin).action_regenerate_webhook_token()
        self.assertTrue(self.pbx.webhook_token)
        self.assertNotEqual(self.pbx.webhook_token, old_token)
        self.assertNotEqual(self.pbx.webhook_url, old_url)
        self.assertTrue(self.pbx.webhook_url.endswith(f"/crm_telephony/webhook/{self.pbx.webhook_token}"))
        new_messages = self.pbx.message_ids - messages_before
        self.assertEqual(len(new_messages), 1)
        self.assertIn("regenerated", new_messages.body)
        self.assertNotIn(self.pbx.webhook_token, new_messages.body, "the chatter must not reveal the token")
        self.assertEqual(new_messages.author_id, self.user_admin.partner_id)

    def test_webhook_token_unique_constraint(self):
        other = self.env["crm.pbx"].create({"name": "Other PBX"})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            other.write({"webhook_token": self.pbx.webhook_token})
            other.flush_recordset()

    def test_recording_retention_positive(self):
        self.assertEqual(self.pbx.recording_retention_days, 180, "recordings are kept 180 days by default")
        with self.assertRaises(ValidationError) as caught:
            self.env["crm.pbx"].create({"name": "No retention", "recording_retention_days": 0})
        self.assertIn("at least one day", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            self.pbx.recording_retention_days = -5
        self.assertIn("at least one day", str(caught.exception))
        self.pbx.recording_retention_days = 1
        self.assertEqual(self.pbx.recording_retention_days, 1)

    def test_default_queue_extension_digits_only(self):
        with self.assertRaises(ValidationError) as caught:
            self.pbx.default_queue_extension = "queue"
        self.assertIn("digits only", str(caught.exception))
        self.pbx.default_queue_extension = "0500"
        self.pbx.default_queue_extension = False
        self.assertFalse(self.pbx.default_queue_extension)

    def test_archive_keeps_configuration(self):
        self.pbx.action_archive()
        self.assertFalse(self.pbx.active)
        self.assertFalse(self.env["crm.pbx"].search([("id", "=", self.pbx.id)]))
        self.assertEqual(len(self.pbx.extension_ids), 2)
