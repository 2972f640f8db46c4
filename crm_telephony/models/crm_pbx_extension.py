import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# ASCII digits only: what a phone keypad can dial.
EXTENSION_RE = re.compile(r"[0-9]+")


class CrmPbxExtension(models.Model):
    """Which user answers on which extension (internal number) of a PBX."""

    _name = "crm.pbx.extension"
    _description = "PBX Extension"
    _order = "pbx_id, extension, id"
    _rec_name = "extension"
    _check_company_auto = True

    pbx_id = fields.Many2one(
        "crm.pbx",
        string="PBX",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="pbx_id.company_id", store=True, index=True)
    user_id = fields.Many2one(
        "res.users",
        string="User",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain=[("share", "=", False)],
    )
    extension = fields.Char(required=True, help="Internal number of the user on the PBX, digits only.")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "pbx_extension_unique",
            "UNIQUE(pbx_id, extension)",
            "This extension is already used on this PBX.",
        ),
        (
            "pbx_user_unique",
            "UNIQUE(pbx_id, user_id)",
            "This user already has an extension on this PBX.",
        ),
    ]

    @api.depends("extension", "user_id.name")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.extension} ({line.user_id.name})" if line.user_id else line.extension

    @api.constrains("extension")
    def _check_extension(self):
        for line in self:
            if not EXTENSION_RE.fullmatch(line.extension or ""):
                raise ValidationError(
                    _(
                        "The extension “%(extension)s” of %(user)s may contain digits only.",
                        extension=line.extension,
                        user=line.user_id.name,
                    )
                )
