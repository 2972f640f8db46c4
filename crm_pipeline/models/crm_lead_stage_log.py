from odoo import api, fields, models
from odoo.tools import SQL, create_index

OUTCOMES = [
    ("open", "Open"),
    ("moved", "Moved"),
    ("won", "Won"),
    ("lost", "Lost"),
]


class CrmLeadStageLog(models.Model):
    """One row per stay of a deal in a stage.

    Rows are written by ``crm.lead`` (create, every stage change, won, lost,
    reopen); analytics read this table, never the chatter.

    * ``open``: the deal is in the stage now (``date_out`` empty);
    * ``moved``: the deal left the stage for another one;
    * ``lost``: the deal was lost while in the stage;
    * ``won``: the deal reached this won stage; the row is closed at once
      (zero duration), a won deal has no open stay.
    """

    _name = "crm.lead.stage.log"
    _description = "Deal Stage History"
    _order = "date_in desc, id desc"
    _rec_name = "stage_id"

    lead_id = fields.Many2one("crm.lead", string="Deal", required=True, ondelete="cascade", readonly=True)
    deal_type_id = fields.Many2one("crm.deal.type", string="Deal Type", readonly=True, index="btree_not_null")
    stage_id = fields.Many2one("crm.stage", string="Stage", required=True, ondelete="cascade", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True, index=True)
    date_in = fields.Datetime(string="Entered", required=True, readonly=True)
    date_out = fields.Datetime(string="Left", readonly=True)
    duration_seconds = fields.Integer(
        string="Duration (s)",
        compute="_compute_duration_seconds",
        store=True,
        precompute=True,
        aggregator="avg",
        help="Seconds spent in the stage, set when the stay is closed.",
    )
    duration_days = fields.Float(
        string="Duration (days)",
        compute="_compute_duration_seconds",
        store=True,
        precompute=True,
        aggregator="avg",
        digits=(16, 2),
    )
    outcome = fields.Selection(OUTCOMES, required=True, default="open", readonly=True)

    def init(self):
        create_index(self.env.cr, "crm_lead_stage_log_lead_id_date_in_idx", self._table, ["lead_id", "date_in"])
        create_index(self.env.cr, "crm_lead_stage_log_stage_id_date_in_idx", self._table, ["stage_id", "date_in"])
        create_index(self.env.cr, "crm_lead_stage_log_open_idx", self._table, ["lead_id"], where="date_out IS NULL")

    @api.depends("date_in", "date_out")
    def _compute_duration_seconds(self):
        for log in self:
            seconds = int((log.date_out - log.date_in).total_seconds()) if log.date_in and log.date_out else 0
            log.duration_seconds = seconds
            log.duration_days = round(seconds / 86400.0, 2)

    @api.model
    def _crm_pipeline_close(self, leads, outcome, when):
        """Close the open stays of ``leads`` at ``when`` with ``outcome``: one UPDATE."""
        if not leads:
            return
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead_stage_log
                   SET date_out = %(when)s,
                       outcome = %(outcome)s,
                       duration_seconds = GREATEST(0, EXTRACT(EPOCH FROM (%(when)s - date_in)))::int,
                       duration_days = ROUND((GREATEST(0, EXTRACT(EPOCH FROM (%(when)s - date_in))) / 86400.0)::numeric, 2),
                       write_uid = %(uid)s,
                       write_date = %(now)s
                 WHERE lead_id = ANY(%(lead_ids)s) AND date_out IS NULL
                """,
                when=when,
                outcome=outcome,
                uid=self.env.uid,
                now=self.env.cr.now(),
                lead_ids=list(leads.ids),
            )
        )
        self.invalidate_model(["date_out", "outcome", "duration_seconds", "duration_days", "write_uid", "write_date"])

    @api.model
    def _crm_pipeline_backfill(self):
        """One row per existing lead/deal without history, in one INSERT ... SELECT.

        The stay starts at the deal's last stage change (or creation); lost
        deals are closed at their closing date, deals in a won stage get a
        closed ``won`` row. Returns the number of rows inserted."""
        now = self.env.cr.now()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_lead_stage_log (
                    lead_id, deal_type_id, stage_id, team_id, user_id, company_id,
                    date_in, date_out, duration_seconds, duration_days, outcome,
                    create_uid, create_date, write_uid, write_date)
                SELECT l.id, l.deal_type_id, l.stage_id, l.team_id, l.user_id, l.company_id,
                       v.date_in, v.date_out,
                       CASE WHEN v.date_out IS NULL THEN 0
                            ELSE GREATEST(0, EXTRACT(EPOCH FROM (v.date_out - v.date_in)))::int END,
                       CASE WHEN v.date_out IS NULL THEN 0
                            ELSE ROUND((GREATEST(0, EXTRACT(EPOCH FROM (v.date_out - v.date_in))) / 86400.0)::numeric, 2)
                       END,
                       v.outcome, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM crm_lead l
                  JOIN crm_stage s ON s.id = l.stage_id
                 CROSS JOIN LATERAL (
                    SELECT COALESCE(l.date_last_stage_update, l.create_date) AS date_in,
                           CASE WHEN s.is_won THEN COALESCE(l.date_last_stage_update, l.create_date)
                                WHEN NOT l.active THEN GREATEST(
                                    COALESCE(l.date_closed, l.write_date),
                                    COALESCE(l.date_last_stage_update, l.create_date))
                           END AS date_out,
                           CASE WHEN s.is_won THEN 'won' WHEN NOT l.active THEN 'lost' ELSE 'open' END AS outcome
                 ) v
                 WHERE NOT EXISTS (SELECT 1 FROM crm_lead_stage_log g WHERE g.lead_id = l.id)
                """,
                uid=self.env.uid,
                now=now,
            )
        )
        return self.env.cr.rowcount
