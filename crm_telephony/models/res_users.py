from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    # A plain inverse one2many: searchable as is ("users with an extension on
    # PBX X"), archived extensions hidden by the active test. Managed from the
    # PBX form by the CRM administrator; read-only here.
    crm_phone_extension_ids = fields.One2many(
        "crm.pbx.extension",
        "user_id",
        string="Phone Extensions",
        readonly=True,
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["crm_phone_extension_ids"]
