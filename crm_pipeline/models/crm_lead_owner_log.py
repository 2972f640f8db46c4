from odoo import api, fields, models


class CrmLeadOwnerLog(models.Model):
    """One row per period a salesperson owned a lead or deal: who worked on
    it from our side and when. Kept by crm.lead itself on create and on every
    change of its salesperson; nobody edits it by hand."""

    _name = "crm.lead.owner.log"
    _description = "Owner of a Deal over Time"
    _order = "lead_id, date_from desc, id desc"
    _rec_name = "user_id"

    lead_id = fields.Many2one("crm.lead", string="Deal", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)
    user_id = fields.Many2one("res.users", string="Salesperson", required=True, index=True, readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    date_from = fields.Datetime(string="From", required=True, readonly=True)
    date_to = fields.Datetime(string="To", readonly=True, help="Empty while the salesperson still owns the deal.")
    is_current = fields.Boolean(compute="_compute_is_current", string="Current Owner")
    duration_days = fields.Float(compute="_compute_duration_days", string="Days")

    @api.depends("date_to")
    def _compute_is_current(self):
        for log in self:
            log.is_current = not log.date_to

    @api.depends("date_from", "date_to")
    def _compute_duration_days(self):
        now = fields.Datetime.now()
        for log in self:
            end = log.date_to or now
            log.duration_days = (end - log.date_from).total_seconds() / 86400 if log.date_from else 0.0
