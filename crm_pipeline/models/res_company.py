from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# settings whose change restarts a classification in progress
SEGMENT_SETTINGS = {
    "crm_segment_measure",
    "crm_segment_period_months",
    "crm_segment_abc_a",
    "crm_segment_abc_b",
    "crm_segment_xyz_x",
    "crm_segment_xyz_y",
    "crm_segment_min_months",
}

SEGMENT_MEASURES = [
    ("revenue", "Revenue"),
    ("margin", "Margin"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    # ABC/XYZ segmentation (crm.partner.segment); shown in the CRM settings.
    crm_segment_measure = fields.Selection(
        SEGMENT_MEASURES,
        string="ABC Measure",
        required=True,
        default="revenue",
        help="What ranks the clients in the ABC analysis: the untaxed amount of their confirmed sale orders, "
        "or that amount minus the cost of the products sold.",
    )
    crm_segment_period_months = fields.Integer(
        string="Segmentation Period (months)",
        required=True,
        default=12,
        help="Number of complete calendar months before the current one that the classification looks at.",
    )
    crm_segment_abc_a = fields.Float(
        string="Class A Share (%)",
        required=True,
        default=80.0,
        help="Clients making the first part of the revenue (cumulative share, biggest clients first) are class A.",
    )
    crm_segment_abc_b = fields.Float(
        string="Class B Share (%)",
        required=True,
        default=15.0,
        help="Clients making the next part of the cumulative share are class B; the rest is class C.",
    )
    crm_segment_xyz_x = fields.Float(
        string="Class X Variation (%)",
        required=True,
        default=10.0,
        help="Clients whose monthly revenue varies by at most this coefficient of variation are class X.",
    )
    crm_segment_xyz_y = fields.Float(
        string="Class Y Variation (%)",
        required=True,
        default=25.0,
        help="Clients whose coefficient of variation is above the X limit and at most this one are class Y; "
        "above it, class Z.",
    )
    crm_segment_min_months = fields.Integer(
        string="Minimum History (months)",
        required=True,
        default=6,
        help="A client gets an XYZ class only when its first confirmed order is at least this many months "
        "before the end of the period; newer clients get an ABC class only.",
    )
    # Progress of the scheduled jobs, kept in crm.company.job (one row per job: see there why) and
    # written with crm.company.job._crm_job_write; shown here.
    crm_job_ids = fields.One2many("crm.company.job", "company_id", string="CRM Job Progress")
    crm_segment_last_run = fields.Datetime(string="Last Segmentation", compute="_compute_crm_job_progress")
    # a classification in progress (the scheduled job measures the clients chunk by chunk)
    crm_segment_run_date = fields.Date(string="Segmentation Running Since", compute="_compute_crm_job_progress")
    crm_segment_run_after_id = fields.Integer(string="Segmentation Position", compute="_compute_crm_job_progress")
    # Repeat sales (crm.repeat.forecast)
    crm_repeat_min_orders = fields.Integer(
        string="Minimum Orders for a Forecast",
        required=True,
        default=3,
        help="A client (or a product category of a client) needs at least this many orders, on distinct days, "
        "before its next order is predicted.",
    )
    crm_repeat_reminder_days = fields.Integer(
        string="Reminder Days Before the Predicted Order",
        required=True,
        default=7,
        help="The responsible manager gets an 'Offer a repeat order' activity this many days before the "
        "predicted date of the client's next order.",
    )
    crm_repeat_refreshed_at = fields.Datetime(
        string="Repeat-Sale Forecast Refreshed At",
        compute="_compute_crm_job_progress",
        help="Orders changed since then are taken into account by the next incremental refresh; empty means "
        "the next refresh rebuilds the whole forecast of the company.",
    )
    # a full rebuild of the forecast in progress (chunk by chunk)
    crm_repeat_rebuild_started_at = fields.Datetime(
        string="Forecast Rebuild Started At", compute="_compute_crm_job_progress"
    )
    crm_repeat_rebuild_after_id = fields.Integer(
        string="Forecast Rebuild Position", compute="_compute_crm_job_progress"
    )

    @api.constrains(
        "crm_segment_period_months",
        "crm_segment_abc_a",
        "crm_segment_abc_b",
        "crm_segment_xyz_x",
        "crm_segment_xyz_y",
        "crm_segment_min_months",
        "crm_repeat_min_orders",
        "crm_repeat_reminder_days",
    )
    def _check_crm_segment_settings(self):
        for company in self:
            if not 1 <= company.crm_segment_period_months <= 120:
                raise ValidationError(_("The segmentation period must be between 1 and 120 months."))
            if company.crm_segment_abc_a <= 0 or company.crm_segment_abc_b < 0:
                raise ValidationError(_("The shares of classes A and B must be positive."))
            if company.crm_segment_abc_a + company.crm_segment_abc_b > 100:
                raise ValidationError(_("The shares of classes A and B cannot exceed 100 % together."))
            if not 0 <= company.crm_segment_xyz_x <= company.crm_segment_xyz_y:
                raise ValidationError(_("The variation limit of class X must be positive and at most that of class Y."))
            if company.crm_segment_min_months < 0:
                raise ValidationError(_("The minimum history cannot be negative."))
            if company.crm_repeat_min_orders < 2:
                raise ValidationError(_("A forecast needs at least 2 orders (one interval)."))
            if company.crm_repeat_reminder_days < 0:
                raise ValidationError(_("The reminder days cannot be negative."))

    @api.depends(
        "crm_job_ids.job",
        "crm_job_ids.done_at",
        "crm_job_ids.started_at",
        "crm_job_ids.run_date",
        "crm_job_ids.after_id",
    )
    def _compute_crm_job_progress(self):
        # sudo: the progress is system data, shown to whoever may read the company. Searched rather
        # than read through crm_job_ids: crm.company.job._crm_job creates the rows in SQL.
        rows = self.env["crm.company.job"].sudo().search([("company_id", "in", self._origin.ids)])
        jobs = {(job.company_id.id, job.job): job for job in rows}
        for company in self:
            segments = jobs.get((company._origin.id, "segments"))
            repeat = jobs.get((company._origin.id, "repeat"))
            company.crm_segment_last_run = segments.done_at if segments else False
            company.crm_segment_run_date = segments.run_date if segments else False
            company.crm_segment_run_after_id = segments.after_id if segments else 0
            company.crm_repeat_refreshed_at = repeat.done_at if repeat else False
            company.crm_repeat_rebuild_started_at = repeat.started_at if repeat else False
            company.crm_repeat_rebuild_after_id = repeat.after_id if repeat else 0

    def write(self, vals):
        res = super().write(vals)
        Job = self.env["crm.company.job"]
        for company in self:
            if "crm_repeat_min_orders" in vals:
                # the forecast rows depend on the minimum: rebuild them all at the next refresh
                Job._crm_job_write(company, "repeat", {"done_at": False, "started_at": False, "after_id": 0})
            if SEGMENT_SETTINGS & set(vals):
                # a classification in progress would mix the old and the new settings: start it again
                Job._crm_job_write(company, "segments", {"run_date": False})
        return res
