from odoo import fields, models, tools
from odoo.tools import SQL


class CrmCallReport(models.Model):
    """Call statistics: one row per call with its measures, for pivot and graph views.

    Group by manager, day (any date granularity of ``date_start``, in the viewer's time
    zone), hour of the day (``hour``, in the manager's time zone), direction and state.
    Talk time is counted on answered calls only and the wait on finished calls only, so
    the averages are those of the calls concerned (SQL ``avg`` skips NULLs).
    """

    _name = "crm.call.report"
    _description = "Call Statistics"
    _auto = False
    _rec_name = "date_start"
    _order = "date_start desc"

    call_id = fields.Many2one("crm.call", string="Call", readonly=True)
    date_start = fields.Datetime(string="Date", readonly=True)
    hour = fields.Integer(
        readonly=True,
        aggregator=False,
        help="Hour of the day the call started, in the manager's time zone (the company's when unknown).",
    )
    user_id = fields.Many2one("res.users", string="Manager", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Deal", readonly=True)
    pbx_id = fields.Many2one("crm.pbx", string="PBX", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    direction = fields.Selection([("in", "Incoming"), ("out", "Outgoing")], readonly=True)
    state = fields.Selection(
        [
            ("ringing", "Ringing"),
            ("answered", "Answered"),
            ("missed", "Missed"),
            ("busy", "Busy"),
            ("failed", "Failed"),
        ],
        string="Status",
        readonly=True,
    )
    answered_count = fields.Integer(string="Answered", readonly=True)
    missed_count = fields.Integer(string="Missed", readonly=True)
    answer_rate = fields.Float(
        string="Answer Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the calls that were answered.",
    )
    talk_seconds = fields.Integer(
        string="Total Talk Time (s)", readonly=True, help="Seconds of conversation of the answered calls."
    )
    talk_avg_seconds = fields.Float(
        string="Average Talk Time (s)",
        readonly=True,
        aggregator="avg",
        help="Average conversation of the answered calls, in seconds.",
    )
    wait_avg_seconds = fields.Float(
        string="Average Wait (s)",
        readonly=True,
        aggregator="avg",
        help="Average seconds from the first ring to the answer (or to the end of an unanswered call).",
    )

    def _query(self):
        # Local hour: the manager's time zone, else the company's, else UTC. Joined on
        # pg_timezone_names so that a name PostgreSQL does not know never breaks the report.
        return SQL(
            """
            SELECT
                c.id AS id,
                c.id AS call_id,
                c.date_start AS date_start,
                EXTRACT(
                    HOUR FROM (c.date_start AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(tz_user.name, tz_company.name, 'UTC')
                )::integer AS hour,
                c.user_id AS user_id,
                c.team_id AS team_id,
                c.commercial_partner_id AS partner_id,
                c.lead_id AS lead_id,
                c.pbx_id AS pbx_id,
                c.company_id AS company_id,
                c.direction AS direction,
                c.state AS state,
                CASE WHEN c.state = 'answered' THEN 1 ELSE 0 END AS answered_count,
                CASE WHEN c.state = 'missed' THEN 1 ELSE 0 END AS missed_count,
                CASE WHEN c.state = 'answered' THEN 100.0 ELSE 0.0 END AS answer_rate,
                CASE WHEN c.state = 'answered' THEN COALESCE(c.talk_seconds, 0) END AS talk_seconds,
                CASE WHEN c.state = 'answered' THEN COALESCE(c.talk_seconds, 0) END AS talk_avg_seconds,
                CASE WHEN c.state != 'ringing' THEN COALESCE(c.wait_seconds, 0) END AS wait_avg_seconds
            FROM crm_call c
            LEFT JOIN res_users u ON u.id = c.user_id
            LEFT JOIN res_partner user_partner ON user_partner.id = u.partner_id
            LEFT JOIN res_company company ON company.id = c.company_id
            LEFT JOIN res_partner company_partner ON company_partner.id = company.partner_id
            LEFT JOIN pg_timezone_names tz_user ON tz_user.name = user_partner.tz
            LEFT JOIN pg_timezone_names tz_company ON tz_company.name = company_partner.tz
            WHERE c.date_start IS NOT NULL
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
