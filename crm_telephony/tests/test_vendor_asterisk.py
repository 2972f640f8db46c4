"""Asterisk AMI: click-to-call with `Action: Originate` over a short AMI connection.

Against a local AMI server (vendor_servers.AmiServer) that speaks the Manager Interface line
protocol: banner, Login checked against its user and secret, Originate, Logoff
(https://docs.asterisk.org/Asterisk_20_Documentation/API_Documentation/AMI_Actions/Originate/).
The call events of Asterisk come through the connector `./crmctl ami`, tested with pytest in
tests/test_ami_connector.py.
"""

import socket

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import TestCrmTelephonyCommon
from .vendor_servers import AmiServer, ZadarmaApiServer

AMI_USER, AMI_SECRET = "crm", "ami-secret"


@tagged("post_install", "-at_install")
class TestVendorAsterisk(TestCrmTelephonyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.ru")
        cls.client = cls.env["res.partner"].create(
            {"name": "Asterisk Client LLC", "is_company": True, "phone": "+7 915 222-33-44"}
        )
        cls.asterisk = cls.env["crm.pbx"].create(
            {
                "name": "Office Asterisk",
                "kind": "asterisk_ami",
                "sequence": 1,
                "company_id": cls.company.id,
                "ami_host": "127.0.0.1",
                "ami_user": AMI_USER,
                "ami_secret": AMI_SECRET,
                "extension_ids": [Command.create({"user_id": cls.user_salesperson.id, "extension": "101"})],
            }
        )

    def test_defaults(self):
        self.assertRecordValues(
            self.asterisk, [{"ami_port": 5038, "ami_channel": "PJSIP/{extension}", "ami_context": "from-internal"}]
        )
        with self.assertRaises(ValidationError):
            self.asterisk.ami_port = 70000

    def test_click_to_call(self):
        """Login with the configured user, Originate ringing PJSIP/101 first and then dialing the
        client's number in the context, Logoff; the call keeps the ChannelId it gave Asterisk."""
        with AmiServer(AMI_USER, AMI_SECRET) as server:
            self.asterisk.ami_port = server.port
            result = self.env["crm.call"].with_user(self.user_salesperson).action_click_to_call("8 915 222-33-44")
        self.assertTrue(result["ok"], result)
        self.assertEqual([a["Action"] for a in server.actions], ["Login", "Originate", "Logoff"])
        login, originate, _logoff = server.actions
        self.assertEqual((login["Username"], login["Secret"], login["Events"]), (AMI_USER, AMI_SECRET, "off"))
        self.assertEqual(originate["Channel"], "PJSIP/101")
        self.assertEqual(originate["Context"], "from-internal")
        self.assertEqual(originate["Exten"], "79152223344")
        self.assertEqual(originate["Priority"], "1")
        self.assertEqual(originate["Async"], "true")
        self.assertEqual(originate["CallerID"], '"79152223344" <101>')
        self.assertTrue(originate["ChannelId"].startswith("crm-"))
        call = self.env["crm.call"].browse(result["call_id"])
        self.assertRecordValues(
            call,
            [
                {
                    "pbx_id": self.asterisk.id,
                    "external_id": originate["ChannelId"],
                    "direction": "out",
                    "extension": "101",
                    "partner_id": self.client.id,
                    "user_id": self.user_salesperson.id,
                }
            ],
        )

    def test_channel_and_context_settings(self):
        self.asterisk.write({"ami_channel": "SIP/{extension}", "ami_context": "crm-out"})
        with AmiServer(AMI_USER, AMI_SECRET) as server:
            self.asterisk.ami_port = server.port
            answer = self.asterisk._crm_telephony_originate("101", "+7 915 222 33 44")
        self.assertEqual(answer["Response"], "Success")
        self.assertEqual(answer["Message"], "Originate successfully queued")
        originate = server.actions[1]
        self.assertEqual((originate["Channel"], originate["Context"]), ("SIP/101", "crm-out"))

    def test_wrong_secret(self):
        """Asterisk refuses the login: the user is told why and no call is created."""
        with AmiServer(AMI_USER, "another-secret") as server:
            self.asterisk.ami_port = server.port
            result = self.env["crm.call"].with_user(self.user_salesperson).action_click_to_call("+79152223344")
            with self.assertRaisesRegex(UserError, "Authentication failed"):
                self.asterisk._crm_telephony_originate("101", "+79152223344")
        self.assertFalse(result["ok"])
        self.assertIn("Authentication failed", result["message"])
        self.assertNotIn("Originate", [a["Action"] for a in server.actions])
        self.assertFalse(self.env["crm.call"].search([("pbx_id", "=", self.asterisk.id)]))

    def test_unreachable_or_not_asterisk(self):
        """Nothing listening, or something that is not an AMI (here an HTTP server): a clear error
        within the timeout."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed_port = sock.getsockname()[1]
        self.asterisk.ami_port = closed_port
        with self.assertRaisesRegex(UserError, "Asterisk could not place the call"):
            self.asterisk._crm_telephony_originate("101", "+79152223344")
        with ZadarmaApiServer("k", "s") as http_server:
            self.asterisk.ami_port = int(http_server.url.rsplit(":", 1)[1])
            # an HTTP server says nothing first: the banner never comes
            with self.assertRaisesRegex(UserError, "did not answer in time|not an Asterisk"):
                self.asterisk._crm_telephony_originate("101", "+79152223344")

    def test_missing_settings(self):
        self.asterisk.ami_secret = False
        with self.assertRaisesRegex(UserError, "Set the AMI host, user and secret"):
            self.asterisk._crm_telephony_originate("101", "+79152223344")
