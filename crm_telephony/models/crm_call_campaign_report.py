"""Campaign analysis: one row per call task with its outcome and the deal it produced (SQL view).

Measures are 0/1 flags summed by the pivot: ``attempted`` (called at least once), ``reached``
(the last result means somebody answered: reached, call back, not interested, deal created),
``deal`` (a deal was created), ``won`` (that deal is won: active and in a won stage) and
``won_revenue`` (the won deal's expected revenue, in the company's currency). The campaign's stat
buttons read the same view, so both always agree; access follows the call tasks' rules.
"""

from odoo import fields, models, tools
from odoo.tools import SQL

from .crm_call_task import REACHED_RESULTS


class CrmCallCampaignReport(models.Model):
    _name = "crm.call.campaign.report"
    _description = "Telemarketing Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    task_id = fields.Many2one("crm.call.task", string="Call Task", readonly=True)
    campaign_id = fields.Many2one("crm.call.campaign", string="Campaign", readonly=True)
    campaign_state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done"), ("cancelled", "Cancelled")],
        string="Campaign Status",
        readonly=True,
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    user_id = fields.Many2one("res.users", string="Caller", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Deal", readonly=True)
    date = fields.Datetime(string="Created On", readonly=True)
    date_last_attempt = fields.Datetime(string="Last Attempt", readonly=True)
    date_done = fields.Datetime(string="Closed On", readonly=True)
    state = fields.Selection(
        [("todo", "To Call"), ("in_progress", "In Progress"), ("done", "Done"), ("cancelled", "Cancelled")],
        string="Status",
        readonly=True,
    )
    result = fields.Selection(
        [
            ("reached", "Reached"),
            ("not_reached", "Not Reached"),
            ("call_back", "Call Back"),
            ("not_interested", "Not Interested"),
            ("deal_created", "Deal Created"),
        ],
        readonly=True,
    )
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    attempted = fields.Integer(string="Called", readonly=True)
    reached = fields.Integer(readonly=True)
    deal = fields.Integer(string="Deals", readonly=True)
    won = fields.Integer(string="Won Deals", readonly=True)
    won_revenue = fields.Monetary(readonly=True, currency_field="currency_id")

    def _query(self):
        return SQL(
            """
            SELECT t.id AS id,
                   t.id AS task_id,
                   t.campaign_id,
                   c.state AS campaign_state,
                   c.team_id,
                   t.company_id,
                   rc.currency_id,
                   t.partner_id,
                   t.user_id,
                   t.lead_id,
                   t.create_date AS date,
                   t.date_last_attempt,
                   t.date_done,
                   t.state,
                   t.result,
                   t.attempt_count,
                   CASE WHEN t.attempt_count > 0 THEN 1 ELSE 0 END AS attempted,
                   CASE WHEN t.result IN %(reached)s THEN 1 ELSE 0 END AS reached,
                   CASE WHEN t.lead_id IS NOT NULL THEN 1 ELSE 0 END AS deal,
                   CASE WHEN l.active AND s.is_won THEN 1 ELSE 0 END AS won,
                   CASE WHEN l.active AND s.is_won THEN COALESCE(l.expected_revenue, 0) ELSE 0 END AS won_revenue
              FROM crm_call_task t
              JOIN crm_call_campaign c ON c.id = t.campaign_id
              JOIN res_company rc ON rc.id = t.company_id
         LEFT JOIN crm_lead l ON l.id = t.lead_id
         LEFT JOIN crm_stage s ON s.id = l.stage_id
            """,
            reached=REACHED_RESULTS,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
