from odoo import api, models


class CrmBpmVersionPart(models.AbstractModel):
    """A part of a process version (a step, a transition): it can be created,
    changed or deleted only while its version is a draft. Published and
    archived versions stay exactly as running processes saw them."""

    _name = "crm.bpm.version.part"
    _description = "Part of a Business Process Version"

    @api.model_create_multi
    def create(self, vals_list):
        version_ids = {vals.get("version_id") for vals in vals_list if vals.get("version_id")}
        self.env["crm.bpm.process.version"].browse(version_ids)._check_editable()
        return super().create(vals_list)

    def write(self, vals):
        self.version_id._check_editable()
        if vals.get("version_id"):
            self.env["crm.bpm.process.version"].browse(vals["version_id"])._check_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_frozen_version(self):
        self.version_id._check_editable()
