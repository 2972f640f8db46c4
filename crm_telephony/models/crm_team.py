from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .crm_pbx_extension import EXTENSION_RE


class CrmTeam(models.Model):
    _inherit = "crm.team"

    phone_queue_extension = fields.Char(
        help="PBX extension (a queue or a hunt group) for calls of this team's clients whose responsible "
        "manager has no extension. Empty: the PBX's default queue.",
    )

    @api.constrains("phone_queue_extension")
    def _check_phone_queue_extension(self):
        for team in self:
            if team.phone_queue_extension and not EXTENSION_RE.fullmatch(team.phone_queue_extension):
                raise ValidationError(
                    _(
                        "The phone queue extension of %(team)s may contain digits only (got “%(extension)s”).",
                        team=team.display_name,
                        extension=team.phone_queue_extension,
                    )
                )
