from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    response_sla_hours = fields.Float(
        string="First Response SLA (hours)",
        default=2.0,
        help="Hours a new lead of this team may wait for its first response. Past this deadline the team "
        "leader gets an 'Overdue first response' activity.",
    )

    _sql_constraints = [
        (
            "response_sla_hours_positive",
            "CHECK(response_sla_hours >= 0)",
            "The first response SLA cannot be negative.",
        ),
    ]
