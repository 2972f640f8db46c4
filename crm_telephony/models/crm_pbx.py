import hashlib
import hmac
import json
import math
import secrets
import time
from collections import namedtuple

import requests

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .crm_pbx_extension import EXTENSION_RE

# Bytes of randomness of a generated webhook token or signing secret
# (secrets.token_urlsafe makes about 1.3 characters of each byte).
TOKEN_BYTES = 32

# Generic protocol (also spoken by the Asterisk AMI connector): see readme/CONFIGURE.md.
SIGNATURE_HEADER = "x-crm-signature"
TIMESTAMP_HEADER = "x-crm-timestamp"
# A signed request older (or newer) than this is refused: a captured request cannot be replayed later.
REPLAY_WINDOW_SECONDS = 300
GENERIC_EVENTS = ("start", "answer", "end", "recording")
END_STATES = ("answered", "missed", "busy", "failed")
MAX_EVENTS_PER_REQUEST = 100
MAX_ID_LENGTH = 128
MAX_NUMBER_LENGTH = 64
MAX_URL_LENGTH = 2048
ORIGINATE_TIMEOUT_SECONDS = 10

# What libphonenumber needs of a country (phone_validation reads these two attributes).
CountryCodes = namedtuple("CountryCodes", "code phone_code")


class PbxRefused(Exception):
    """A PBX request refused before anything is written: answered with `status` and `message`.

    Raised by the `_crm_telephony_verify_<kind>` translators (bad signature, replay, ...).
    """

    def __init__(self, status, message):
        super().__init__(status, message)
        self.status = status
        self.message = message

    def __str__(self):
        return f"{self.status} {self.message}"


class CrmPbx(models.Model):
    """A connection to a PBX (telephone exchange).

    The PBX reaches Odoo on a webhook URL that carries this record's random
    token, signs what it sends with the HMAC secret, and is reached back (to
    originate calls) with the vendor's API key and secret. The token and the
    secrets are readable by the CRM administrator only.
    """

    _name = "crm.pbx"
    _description = "PBX Connection"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    kind = fields.Selection(
        selection=[
            ("generic", "Generic signed JSON webhook"),
            ("zadarma", "Zadarma"),
            ("mango", "Mango Office"),
            ("asterisk_ami", "Asterisk AMI"),
        ],
        string="PBX Type",
        required=True,
        default="generic",
        tracking=True,
        help="Which format the PBX sends its events in and how calls are originated through it.",
    )
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    webhook_token = fields.Char(
        readonly=True,
        copy=False,
        groups="crm_pipeline.group_crm_admin",
        help="Random token that identifies this PBX in its webhook URL. Regenerate it if the URL leaked.",
    )
    webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_webhook_url",
        groups="crm_pipeline.group_crm_admin",
        help="The address the PBX sends its call events to.",
    )
    hmac_secret = fields.Char(
        string="Signing Secret",
        copy=False,
        groups="crm_pipeline.group_crm_admin",
        help="Shared secret the PBX signs each webhook request with (HMAC-SHA256). "
        "Generated when the connection is created; replace it with the PBX's own secret if it has one.",
    )
    api_key = fields.Char(
        string="API Key",
        copy=False,
        groups="crm_pipeline.group_crm_admin",
        help="Key (or user name) of the vendor's API, used to originate calls.",
    )
    api_secret = fields.Char(
        string="API Secret",
        copy=False,
        groups="crm_pipeline.group_crm_admin",
        help="Secret (or password) of the vendor's API, used to originate calls.",
    )
    default_queue_extension = fields.Char(
        tracking=True,
        help="Extension (a queue or an operator) that receives the calls of unknown callers.",
    )
    recording_retention_days = fields.Integer(
        string="Keep Recordings (Days)",
        default=180,
        required=True,
        tracking=True,
        help="Call recordings older than this are deleted.",
    )
    extension_ids = fields.One2many("crm.pbx.extension", "pbx_id", string="Extensions")
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team for New Callers",
        check_company=True,
        help="Unknown callers become leads in the pool of this team and are routed to its queue extension.",
    )
    originate_url = fields.Char(
        string="Originate URL",
        groups="crm_pipeline.group_crm_admin",
        help="Generic PBX: the address Odoo posts signed click-to-call requests to.",
    )
    event_count = fields.Integer(compute="_compute_event_count", groups="crm_pipeline.group_crm_admin")

    _sql_constraints = [
        (
            "webhook_token_unique",
            "UNIQUE(webhook_token)",
            "Each PBX connection must have its own webhook token.",
        ),
    ]

    @api.model
    def _generate_secret(self):
        return secrets.token_urlsafe(TOKEN_BYTES)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("webhook_token"):
                vals["webhook_token"] = self._generate_secret()
            if not vals.get("hmac_secret"):
                vals["hmac_secret"] = self._generate_secret()
        return super().create(vals_list)

    @api.depends("webhook_token")
    def _compute_webhook_url(self):
        for pbx in self:
            if pbx.webhook_token:
                pbx.webhook_url = f"{pbx.get_base_url()}/crm_telephony/webhook/{pbx.webhook_token}"
            else:
                pbx.webhook_url = False

    def _compute_event_count(self):
        counts = dict(self.env["crm.pbx.event"]._read_group([("pbx_id", "in", self.ids)], ["pbx_id"], ["__count"]))
        for pbx in self:
            pbx.event_count = counts.get(pbx, 0)

    @api.constrains("recording_retention_days")
    def _check_recording_retention_days(self):
        for pbx in self:
            if pbx.recording_retention_days <= 0:
                raise ValidationError(
                    _(
                        "The recordings of %(pbx)s must be kept for at least one day.",
                        pbx=pbx.display_name,
                    )
                )

    @api.constrains("company_id")
    def _check_extensions_company(self):
        # The extensions (archived ones too) follow their PBX into its new company:
        # their users must work there.
        self.with_context(active_test=False).extension_ids._check_company(["user_id"])

    @api.constrains("default_queue_extension")
    def _check_default_queue_extension(self):
        for pbx in self:
            if pbx.default_queue_extension and not EXTENSION_RE.fullmatch(pbx.default_queue_extension):
                raise ValidationError(
                    _(
                        "The default queue extension of %(pbx)s may contain digits only (got “%(extension)s”).",
                        pbx=pbx.display_name,
                        extension=pbx.default_queue_extension,
                    )
                )

    def action_regenerate_webhook_token(self):
        """Give each PBX a new webhook token; the old URL stops working."""
        for pbx in self:
            pbx.webhook_token = self._generate_secret()
            pbx.message_post(
                body=_("The webhook token was regenerated: update the webhook URL on the PBX."),
            )
        return True

    # ------------------------------------------------------------------
    # Vendor translators: dispatch by kind to _crm_telephony_<op>_<kind>
    # ------------------------------------------------------------------

    def _crm_telephony_dispatch(self, op, *args):
        self.ensure_one()
        method = getattr(self, f"_crm_telephony_{op}_{self.kind}", None)
        if method is None:
            raise PbxRefused(501, f"PBX type {self.kind} does not implement {op}")
        return method(*args)

    def _crm_telephony_verify(self, req):
        """Raise PbxRefused unless the request `req` really comes from this PBX."""
        return self._crm_telephony_dispatch("verify", req)

    def _crm_telephony_handshake(self, req):
        """None, or (status, content_type, body) to answer a vendor's handshake request."""
        return self._crm_telephony_dispatch("handshake", req)

    def _crm_telephony_events(self, req):
        """List of normalised event dicts carried by the request."""
        return self._crm_telephony_dispatch("events", req)

    def _crm_telephony_originate(self, extension, number):
        """Ask the PBX to call `number` from `extension`; the vendor's answer as a dict."""
        return self._crm_telephony_dispatch("originate", extension, number)

    def action_open_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_telephony.crm_pbx_event_action")
        action["domain"] = [("pbx_id", "=", self.id)]
        action["context"] = {"default_pbx_id": self.id}
        return action

    # ------------------------------------------------------------------
    # Intake entry points (called by the controller as superuser, after the
    # token identified the PBX)
    # ------------------------------------------------------------------

    @api.model
    def _crm_telephony_from_token(self, token):
        """The active PBX whose webhook token is ``token``, or an empty recordset."""
        if not token or len(token) > 256:
            return self.browse()
        # one query for the PBX and what its translators read first
        return self.sudo().search_fetch(
            [("webhook_token", "=", token)], ["kind", "hmac_secret", "company_id", "name"], limit=1
        )

    @api.model
    @tools.ormcache("company_id")
    def _crm_telephony_company_country(self, company_id):
        """The country of ``company_id`` as ``CountryCodes(code, phone_code)``, None without one:
        the country of the numbers its PBXs send without an international prefix.

        Asked on every call while the phone rings, so cached (the ORM's res.company.country_id
        is computed from the company's address); the cache is cleared when a company's partner
        changes country, or a country its codes (see res_partner.py, res_country.py)."""
        self.env["res.company"].flush_model(["partner_id"])
        self.env["res.partner"].flush_model(["country_id"])
        self.env["res.country"].flush_model(["code", "phone_code"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT co.code, co.phone_code
              FROM res_company c
              JOIN res_partner p ON p.id = c.partner_id
              JOIN res_country co ON co.id = p.country_id
             WHERE c.id = %s
            """,
                company_id,
            )
        )
        return CountryCodes(*rows[0]) if rows else None

    def _crm_telephony_route(self, number):
        """Which extension should take a call from ``number`` on this PBX.

        The responsible manager of the identified client (or of its open lead) when they have an
        active extension here; otherwise the queue of the client's (or the PBX's) sales team, then
        the PBX's default queue. Returns the JSON-ready dict of the routing endpoint.
        """
        self.ensure_one()
        found = self.env["crm.call"]._crm_identify_caller(number, pbx=self, leads=False)
        client_id = found["client"].id or None
        if found["extension"]:
            return {
                "extension": found["extension"],
                "user_id": found["user"].id,
                "partner_id": client_id,
                "reason": "responsible",
            }
        return {
            "extension": found["queue_extension"] or "",
            "user_id": None,
            "partner_id": client_id,
            "reason": "queue",
        }

    # ------------------------------------------------------------------
    # Generic signed JSON protocol (kind "generic"; "asterisk_ami" is the
    # same protocol, spoken by the AMI connector on the Asterisk side)
    # ------------------------------------------------------------------

    def _crm_telephony_signature(self, timestamp, payload):
        """Hex HMAC-SHA256 of ``<timestamp>.<payload>`` with this PBX's signing secret."""
        self.ensure_one()
        secret = (self.sudo().hmac_secret or "").encode()
        if isinstance(timestamp, str):
            timestamp = timestamp.encode()
        return hmac.new(secret, timestamp + b"." + payload, hashlib.sha256).hexdigest()

    @api.model
    def _crm_telephony_signed_payload(self, req):
        """What the signature covers: the body of a POST, the raw query string of a GET."""
        if req.get("method") == "GET":
            return req.get("query_string") or b""
        return req.get("body") or b""

    def _crm_telephony_verify_generic(self, req):
        self.ensure_one()
        headers = req.get("headers") or {}
        timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
        signature = (headers.get(SIGNATURE_HEADER) or "").strip().lower()
        if not timestamp or not signature:
            raise PbxRefused(401, "unsigned request")
        if not self.sudo().hmac_secret:
            raise PbxRefused(403, "no signing secret configured")
        expected = self._crm_telephony_signature(timestamp, self._crm_telephony_signed_payload(req))
        if not hmac.compare_digest(expected, signature):
            raise PbxRefused(403, "invalid signature")
        try:
            sent_at = float(timestamp)
        except ValueError:
            raise PbxRefused(401, "invalid timestamp") from None
        if not math.isfinite(sent_at) or abs(time.time() - sent_at) > REPLAY_WINDOW_SECONDS:
            raise PbxRefused(401, "timestamp outside the replay window")

    def _crm_telephony_handshake_generic(self, req):
        return None

    def _crm_telephony_events_generic(self, req):
        """Normalised events of a generic request body: one JSON object, a list of them, or
        ``{"events": [...]}``. Anything malformed refuses the whole request (400)."""
        self.ensure_one()
        try:
            data = json.loads(req.get("body") or b"")
        except (ValueError, UnicodeDecodeError):
            raise PbxRefused(400, "malformed JSON") from None
        if isinstance(data, dict) and isinstance(data.get("events"), list):
            data = data["events"]
        items = data if isinstance(data, list) else [data]
        if not items or len(items) > MAX_EVENTS_PER_REQUEST:
            raise PbxRefused(400, f"expected 1 to {MAX_EVENTS_PER_REQUEST} events")
        return [self._crm_telephony_generic_event(item) for item in items]

    @api.model
    def _crm_telephony_generic_event(self, item):
        if not isinstance(item, dict):
            raise PbxRefused(400, "an event must be a JSON object")

        def text(key, max_length, required=False):
            value = item.get(key)
            if value is None or value == "":
                if required:
                    raise PbxRefused(400, f"missing {key}")
                return ""
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise PbxRefused(400, f"{key} must be a string")
            value = str(value).strip()
            if len(value) > max_length:
                raise PbxRefused(400, f"{key} is too long")
            return value

        event = text("event", 32, required=True)
        if event not in GENERIC_EVENTS:
            raise PbxRefused(400, f"unknown event {event!r}")
        call_id = text("call_id", MAX_ID_LENGTH, required=True)
        timestamp = item.get("timestamp")
        if isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or not math.isfinite(timestamp):
            raise PbxRefused(400, "timestamp must be a number (epoch seconds)")
        if not 0 < timestamp < 32503680000:  # year 3000
            raise PbxRefused(400, "timestamp out of range")
        direction = text("direction", 8) or "in"
        if direction not in ("in", "out"):
            raise PbxRefused(400, "direction must be 'in' or 'out'")
        state = text("state", 16)
        if event == "end" and state not in END_STATES:
            raise PbxRefused(400, f"an end event needs a state among {', '.join(END_STATES)}")
        recording_url = text("recording_url", MAX_URL_LENGTH)
        if recording_url and not recording_url.startswith(("https://", "http://")):
            raise PbxRefused(400, "recording_url must be an http(s) URL")
        if event == "recording" and not recording_url:
            raise PbxRefused(400, "a recording event needs a recording_url")
        talk_seconds = item.get("talk_seconds")
        if talk_seconds is not None and (
            isinstance(talk_seconds, bool) or not isinstance(talk_seconds, int) or talk_seconds < 0
        ):
            raise PbxRefused(400, "talk_seconds must be a non-negative integer")
        extension = text("extension", 32)
        if extension and not EXTENSION_RE.fullmatch(extension):
            raise PbxRefused(400, "extension may contain digits only")
        external_id = text("event_id", MAX_ID_LENGTH) or f"{call_id}:{event}:{timestamp}"
        return {
            "external_id": external_id,
            "call_id": call_id,
            "event": event,
            "direction": direction,
            "number": text("number", MAX_NUMBER_LENGTH),
            "extension": extension,
            "timestamp": float(timestamp),
            "state": state if event == "end" else "",
            "recording_url": recording_url,
            "talk_seconds": talk_seconds,
        }

    def _crm_telephony_originate_generic(self, extension, number):
        """POST ``{"extension", "number", "timestamp"}`` to the originate URL, signed like the webhook."""
        self.ensure_one()
        url = self.sudo().originate_url
        if not url:
            raise UserError(_("Set the originate URL of the PBX %(pbx)s to call from Odoo.", pbx=self.display_name))
        timestamp = str(int(time.time()))
        body = json.dumps({"extension": extension, "number": number, "timestamp": int(timestamp)}).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Crm-Timestamp": timestamp,
            "X-Crm-Signature": self._crm_telephony_signature(timestamp, body),
        }
        try:
            response = requests.post(url, data=body, headers=headers, timeout=ORIGINATE_TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise UserError(
                _("The PBX %(pbx)s could not be reached: %(error)s", pbx=self.display_name, error=error)
            ) from error
        if not response.ok:
            raise UserError(
                _(
                    "The PBX %(pbx)s refused the call (HTTP %(status)s): %(text)s",
                    pbx=self.display_name,
                    status=response.status_code,
                    text=response.text[:200],
                )
            )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {"result": answer}

    # The AMI connector running next to Asterisk speaks the generic protocol.
    def _crm_telephony_verify_asterisk_ami(self, req):
        return self._crm_telephony_verify_generic(req)

    def _crm_telephony_handshake_asterisk_ami(self, req):
        return self._crm_telephony_handshake_generic(req)

    def _crm_telephony_events_asterisk_ami(self, req):
        return self._crm_telephony_events_generic(req)

    # Click-to-call on Asterisk goes through AMI's Originate action: crm_pbx_asterisk.py.
