from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_segment_measure = fields.Selection(related="company_id.crm_segment_measure", readonly=False)
    crm_segment_period_months = fields.Integer(related="company_id.crm_segment_period_months", readonly=False)
    crm_segment_abc_a = fields.Float(related="company_id.crm_segment_abc_a", readonly=False)
    crm_segment_abc_b = fields.Float(related="company_id.crm_segment_abc_b", readonly=False)
    crm_segment_abc_c = fields.Float(
        string="Class C Share (%)",
        compute="_compute_crm_segment_abc_c",
        help="The rest of the cumulative share: 100 % minus the shares of classes A and B.",
    )
    crm_segment_xyz_x = fields.Float(related="company_id.crm_segment_xyz_x", readonly=False)
    crm_segment_xyz_y = fields.Float(related="company_id.crm_segment_xyz_y", readonly=False)
    crm_segment_min_months = fields.Integer(related="company_id.crm_segment_min_months", readonly=False)
    crm_segment_last_run = fields.Datetime(related="company_id.crm_segment_last_run")
    crm_repeat_min_orders = fields.Integer(related="company_id.crm_repeat_min_orders", readonly=False)
    crm_repeat_reminder_days = fields.Integer(related="company_id.crm_repeat_reminder_days", readonly=False)

    @api.depends("crm_segment_abc_a", "crm_segment_abc_b")
    def _compute_crm_segment_abc_c(self):
        for settings in self:
            settings.crm_segment_abc_c = max(0.0, 100.0 - settings.crm_segment_abc_a - settings.crm_segment_abc_b)

    def action_crm_segment_recompute(self):
        """Save the settings, then classify the clients of the company now."""
        self.ensure_one()
        self.execute()
        return self.env["crm.partner.segment"].with_company(self.company_id).action_crm_segment_recompute()
