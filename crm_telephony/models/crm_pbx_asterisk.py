"""Asterisk AMI: click-to-call through the Asterisk Manager Interface.

The events of an Asterisk PBX reach the CRM through the connector ``./crmctl ami`` (tools/crmctl/ami.py),
which follows the AMI event stream and posts them to the webhook in the generic signed format. Calls are
originated from here, over a short-lived AMI connection:

    <- Asterisk Call Manager/<version>              (banner)
    -> Action: Login / Username / Secret / Events: off / ActionID
    <- Response: Success                            (or Error, "Authentication failed")
    -> Action: Originate / ChannelId / Channel / Context / Exten / Priority / CallerID / Timeout / Async: true
    <- Response: Success, "Originate successfully queued"
    -> Action: Logoff

The ChannelId we choose becomes the Uniqueid of the originated channel, hence the Linkedid of the whole
call, which the connector reports as the call id: the click-to-call record (whose external id is that
ChannelId) and the call's events merge into one call.

Protocol reference: Asterisk's AMI documentation, https://docs.asterisk.org/Configuration/Interfaces/Asterisk-Manager-Interface-AMI/
(packets of "Key: Value" lines ending with an empty line, CRLF line ends) and the actions
https://docs.asterisk.org/Asterisk_20_Documentation/API_Documentation/AMI_Actions/Login/ and
https://docs.asterisk.org/Asterisk_20_Documentation/API_Documentation/AMI_Actions/Originate/
(with ``Async: true`` the response comes at once; the call's outcome follows as an OriginateResponse
event, which the connector's event stream sees as an ordinary call).
"""

import contextlib
import re
import socket
import time
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

# Seconds allowed for the whole AMI conversation of one originate.
AMI_TIMEOUT = 10
# How long Asterisk rings the manager's phone before giving up, in milliseconds.
AMI_RING_TIMEOUT_MS = 30000
# Values written into AMI packets: one line each, nothing that could start another header.
AMI_SAFE_VALUE = re.compile(r"[^\r\n]*")


class AmiError(Exception):
    """The AMI conversation failed; the message says how."""


class AmiClient:
    """A blocking AMI client for one short conversation (login, one action, logoff)."""

    def __init__(self, host, port, timeout=AMI_TIMEOUT):
        self.deadline = time.monotonic() + timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""
        banner = self._readline()
        if not banner.startswith("Asterisk Call Manager/"):
            raise AmiError(f"not an Asterisk Manager Interface (it said {banner[:60]!r})")

    def close(self):
        self.sock.close()

    def _recv(self):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise AmiError("Asterisk did not answer in time")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError as error:
            raise AmiError("Asterisk did not answer in time") from error
        if not chunk:
            raise AmiError("Asterisk closed the connection")
        self.buffer += chunk

    def _readline(self):
        while b"\n" not in self.buffer:
            self._recv()
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace").rstrip("\r")

    def read_packet(self):
        """The next packet as a dict (the first value wins for repeated keys)."""
        packet = {}
        while True:
            line = self._readline()
            if not line:
                if packet:
                    return packet
                continue
            key, _sep, value = line.partition(":")
            packet.setdefault(key.strip(), value.strip())

    def action(self, name, **headers):
        """Send an action; the response packet carrying its ActionID (events in between are skipped)."""
        action_id = uuid.uuid4().hex
        lines = [f"Action: {name}", f"ActionID: {action_id}"]
        for key, value in headers.items():
            value = str(value)
            if not AMI_SAFE_VALUE.fullmatch(value):
                raise AmiError(f"{key} contains a line break")
            lines.append(f"{key}: {value}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while True:
            packet = self.read_packet()
            if packet.get("ActionID") == action_id and "Response" in packet:
                return packet


class CrmPbx(models.Model):
    _inherit = "crm.pbx"

    ami_host = fields.Char(
        string="AMI Host",
        groups="crm_pipeline.group_crm_admin",
        help="Host name or address of the Asterisk server's Manager Interface.",
    )
    ami_port = fields.Integer(
        string="AMI Port",
        default=5038,
        groups="crm_pipeline.group_crm_admin",
    )
    ami_user = fields.Char(
        string="AMI User",
        copy=False,
        groups="crm_pipeline.group_crm_admin",
        help="Manager user of manager.conf; it needs the 'originate' write permission, "
        "and 'call' read permission for the event connector.",
    )
    ami_secret = fields.Char(
        string="AMI Secret",
        copy=False,
        groups="crm_pipeline.group_crm_admin",
    )
    ami_channel = fields.Char(
        string="AMI Channel",
        default="PJSIP/{extension}",
        groups="crm_pipeline.group_crm_admin",
        help="Channel that rings the manager's phone first; {extension} is replaced by their extension "
        "(e.g. PJSIP/{extension} or SIP/{extension}).",
    )
    ami_context = fields.Char(
        string="AMI Dialplan Context",
        default="from-internal",
        groups="crm_pipeline.group_crm_admin",
        help="Dialplan context the client's number is dialed in once the manager answers.",
    )

    @api.constrains("ami_port")
    def _check_ami_port(self):
        for pbx in self.sudo():
            if pbx.kind == "asterisk_ami" and not 0 < pbx.ami_port < 65536:
                raise ValidationError(_("The AMI port of %(pbx)s must be between 1 and 65535.", pbx=pbx.display_name))

    def _crm_telephony_originate_asterisk_ami(self, extension, number):
        """Ring `extension`; once it answers, Asterisk dials `number` in the configured context."""
        self.ensure_one()
        # Only this method reads the AMI credentials, to log in.
        pbx = self.sudo()
        if not (pbx.ami_host and pbx.ami_user and pbx.ami_secret):
            raise UserError(
                _("Set the AMI host, user and secret of %(pbx)s to call through Asterisk.", pbx=self.display_name)
            )
        number = re.sub(r"\D", "", number)
        if not number or not extension.isdigit():
            raise UserError(
                _("Cannot call “%(number)s” from extension “%(extension)s”.", number=number, extension=extension)
            )
        client = None
        try:
            client = AmiClient(pbx.ami_host, pbx.ami_port or 5038)
            login = client.action("Login", Username=pbx.ami_user, Secret=pbx.ami_secret, Events="off")
            if login.get("Response") != "Success":
                raise AmiError(login.get("Message") or "login refused")
            # The originated channel gets our id as its Uniqueid, hence as the Linkedid of the whole
            # call: the connector reports the call's events under this id, which the CRM's call keeps.
            channel_id = f"crm-{uuid.uuid4().hex}"
            answer = client.action(
                "Originate",
                ChannelId=channel_id,
                Channel=(pbx.ami_channel or "PJSIP/{extension}").replace("{extension}", extension),
                Context=pbx.ami_context or "from-internal",
                Exten=number,
                Priority=1,
                # The manager's phone shows the client's number; the extension stays the call's owner.
                CallerID=f'"{number}" <{extension}>',
                Timeout=AMI_RING_TIMEOUT_MS,
                Async="true",
            )
            if answer.get("Response") != "Success":
                raise AmiError(answer.get("Message") or "originate refused")
            # The call is queued: a lost goodbye does not matter.
            with contextlib.suppress(AmiError, OSError):
                client.action("Logoff")
            return dict(answer, call_id=channel_id)
        except (OSError, AmiError) as error:
            raise UserError(_("Asterisk could not place the call: %(error)s", error=error)) from error
        finally:
            if client:
                client.close()
