from odoo import _, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def action_crm_timeline(self):
        """The timeline of the client (the commercial partner and all its contacts) as a list."""
        self.ensure_one()
        client = self.commercial_partner_id or self
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_pipeline.crm_timeline_entry_action")
        action["display_name"] = _("Timeline: %(client)s", client=client.display_name)
        action["context"] = {"crm_timeline_partner_id": client.id}
        return action
