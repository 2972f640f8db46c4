from odoo import fields, models, tools
from odoo.tools import SQL


class CrmLeadChannelReport(models.Model):
    """Lead channels: one row per lead (active or not) with its advertising channel.

    A lead is *won* when it is active in a won stage, *lost* when it is archived
    with a probability of 0 (what ``crm.lead.action_set_lost`` leaves behind) and
    *open* when it is active and not won. Archived leads with another probability
    (merged or simply archived) count as leads but are neither won, lost nor open.
    """

    _name = "crm.lead.channel.report"
    _description = "Lead Channels Analysis"
    _auto = False
    _rec_name = "lead_id"
    _order = "lead_create_date desc, id desc"
    _depends = {
        "crm.lead": [
            "active",
            "campaign_id",
            "company_id",
            "create_date",
            "expected_revenue",
            "medium_id",
            "probability",
            "source_id",
            "stage_id",
            "team_id",
            "type",
            "user_id",
        ],
        "crm.stage": ["is_won"],
        "res.company": ["currency_id"],
    }

    lead_id = fields.Many2one("crm.lead", string="Lead", readonly=True)
    lead_create_date = fields.Datetime(string="Created on", readonly=True)
    source_id = fields.Many2one("utm.source", string="Source", readonly=True)
    medium_id = fields.Many2one("utm.medium", string="Medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", string="Campaign", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    lead_type = fields.Selection(
        selection=[("lead", "Lead"), ("opportunity", "Opportunity")],
        string="Type",
        readonly=True,
    )
    stage_id = fields.Many2one("crm.stage", string="Stage", readonly=True)
    lead_count = fields.Integer(string="Leads", readonly=True, aggregator="sum")
    opportunity_count = fields.Integer(string="Opportunities", readonly=True, aggregator="sum")
    won_count = fields.Integer(string="Won", readonly=True, aggregator="sum")
    lost_count = fields.Integer(string="Lost", readonly=True, aggregator="sum")
    open_count = fields.Integer(string="Open", readonly=True, aggregator="sum")
    expected_revenue = fields.Monetary(currency_field="currency_id", readonly=True, aggregator="sum")
    won_revenue = fields.Monetary(currency_field="currency_id", readonly=True, aggregator="sum")

    def _select(self):
        return SQL(
            """
            SELECT
                lead.id AS id,
                lead.id AS lead_id,
                lead.create_date AS lead_create_date,
                lead.source_id,
                lead.medium_id,
                lead.campaign_id,
                lead.team_id,
                lead.user_id,
                lead.company_id,
                company.currency_id,
                lead.type AS lead_type,
                lead.stage_id,
                1 AS lead_count,
                CASE WHEN lead.type = 'opportunity' THEN 1 ELSE 0 END AS opportunity_count,
                CASE WHEN %(won)s THEN 1 ELSE 0 END AS won_count,
                CASE WHEN %(lost)s THEN 1 ELSE 0 END AS lost_count,
                CASE WHEN lead.active AND NOT %(won)s THEN 1 ELSE 0 END AS open_count,
                COALESCE(lead.expected_revenue, 0) AS expected_revenue,
                CASE WHEN %(won)s THEN COALESCE(lead.expected_revenue, 0) ELSE 0 END AS won_revenue
            """,
            won=self._won_condition(),
            lost=SQL("(NOT lead.active AND COALESCE(lead.probability, 0) = 0)"),
        )

    def _won_condition(self):
        return SQL("(lead.active AND COALESCE(stage.is_won, FALSE))")

    def _from(self):
        return SQL(
            """
            FROM crm_lead lead
            LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
            LEFT JOIN res_company company ON company.id = lead.company_id
            """
        )

    def _query(self):
        return SQL("%s %s", self._select(), self._from())

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._query(),
            )
        )
