from odoo import _, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def action_crm_timeline(self):
        """The timeline of the deal as a list."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_pipeline.crm_timeline_entry_action")
        action["display_name"] = _("Timeline: %(deal)s", deal=self.display_name)
        action["context"] = {"crm_timeline_lead_id": self.id}
        return action
