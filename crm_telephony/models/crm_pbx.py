import secrets

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .crm_pbx_extension import EXTENSION_RE

# Bytes of randomness of a generated webhook token or signing secret
# (secrets.token_urlsafe makes about 1.3 characters of each byte).
TOKEN_BYTES = 32


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
