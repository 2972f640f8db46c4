from odoo import fields, models, tools
from odoo.tools import SQL


class CrmCallContactReport(models.Model):
    """Who called whom: one row per manager and client (or unknown number).

    A client is the commercial partner of the call; calls of unidentified numbers are
    grouped per E.164 number.
    """

    _name = "crm.call.contact.report"
    _description = "Calls between Managers and Clients"
    _auto = False
    _rec_name = "partner_id"
    _order = "last_call desc"

    user_id = fields.Many2one("res.users", string="Manager", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    number = fields.Char(readonly=True, help="The number, for calls of an unidentified caller.")
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    call_count = fields.Integer(string="Calls", readonly=True)
    incoming_count = fields.Integer(string="Incoming", readonly=True)
    outgoing_count = fields.Integer(string="Outgoing", readonly=True)
    answered_count = fields.Integer(string="Answered", readonly=True)
    missed_count = fields.Integer(string="Missed", readonly=True)
    talk_seconds = fields.Integer(string="Talk Time (s)", readonly=True)
    first_call = fields.Datetime(readonly=True, aggregator="min")
    last_call = fields.Datetime(readonly=True, aggregator="max")

    def _query(self):
        return SQL(
            """
            SELECT
                MIN(c.id) AS id,
                c.user_id AS user_id,
                c.commercial_partner_id AS partner_id,
                CASE WHEN c.commercial_partner_id IS NULL
                    THEN COALESCE(c.number_e164, c.number_raw) END AS number,
                c.company_id AS company_id,
                COUNT(*) AS call_count,
                COUNT(*) FILTER (WHERE c.direction = 'in') AS incoming_count,
                COUNT(*) FILTER (WHERE c.direction = 'out') AS outgoing_count,
                COUNT(*) FILTER (WHERE c.state = 'answered') AS answered_count,
                COUNT(*) FILTER (WHERE c.state = 'missed') AS missed_count,
                COALESCE(SUM(c.talk_seconds) FILTER (WHERE c.state = 'answered'), 0) AS talk_seconds,
                MIN(c.date_start) AS first_call,
                MAX(c.date_start) AS last_call
            FROM crm_call c
            WHERE c.date_start IS NOT NULL
            GROUP BY
                c.user_id,
                c.commercial_partner_id,
                CASE WHEN c.commercial_partner_id IS NULL THEN COALESCE(c.number_e164, c.number_raw) END,
                c.company_id
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

    def action_open_calls(self):
        """The calls behind this row."""
        self.ensure_one()
        domain = [("user_id", "=", self.user_id.id), ("company_id", "=", self.company_id.id)]
        if self.partner_id:
            domain.append(("commercial_partner_id", "=", self.partner_id.id))
        else:
            domain += [
                ("commercial_partner_id", "=", False),
                "|",
                ("number_e164", "=", self.number),
                ("number_raw", "=", self.number),
            ]
        return {
            "type": "ir.actions.act_window",
            "name": self.partner_id.display_name or self.number,
            "res_model": "crm.call",
            "views": [[False, "list"], [False, "form"]],
            "domain": domain,
        }
