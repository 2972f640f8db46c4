from odoo.tests import HttpCase, tagged

from .common import TestCrmTelephonyCommon


@tagged("post_install", "-at_install")
class TestVendorUi(HttpCase, TestCrmTelephonyCommon):
    def test_vendor_settings_tour(self):
        """The CRM administrator fills in the AMI settings of an Asterisk connection on the form,
        which shows each vendor's own settings only."""
        self.start_tour(
            "/odoo/action-crm_telephony.crm_pbx_action", "crm_telephony_vendor_tour", login=self.user_admin.login
        )
        pbx = self.env["crm.pbx"].search([("name", "=", "Tour Asterisk")])
        self.assertRecordValues(
            pbx,
            [
                {
                    "kind": "asterisk_ami",
                    "ami_host": "pbx.example.com",
                    "ami_port": 5038,
                    "ami_user": "crm",
                    "ami_secret": "ami-tour-secret",
                    "ami_channel": "PJSIP/{extension}",
                    "ami_context": "from-internal",
                }
            ],
        )
