from odoo import api, fields, models
from odoo.tools import SQL

JOBS = [
    ("segments", "ABC/XYZ segmentation"),
    ("repeat", "Repeat-sale forecast"),
]


class CrmCompanyJob(models.Model):
    """Progress of the CRM's long scheduled jobs: one row per company and job.

    The jobs commit their progress after every chunk of clients. Kept on res_company, a job and
    anything else that updates the company row in the meantime (the other job, an administrator
    saving the company, the head of sales' *Refresh* button) wrote the same row: under Odoo's
    REPEATABLE READ transactions one of them failed with a serialization error. Each job now
    writes its own row, and res.company shows the progress through computed fields
    (res_company.py).
    """

    _name = "crm.company.job"
    _description = "CRM Job Progress"
    _rec_name = "job"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", readonly=True)
    job = fields.Selection(JOBS, required=True, readonly=True)
    done_at = fields.Datetime(string="Last Completed", readonly=True)
    started_at = fields.Datetime(string="Running Since", readonly=True)
    run_date = fields.Date(string="Reference Date", readonly=True)
    after_id = fields.Integer(string="Position", readonly=True, help="The last client done by the run in progress.")

    _sql_constraints = [
        ("company_job_unique", "UNIQUE(company_id, job)", "A company has one progress row per job."),
    ]

    @api.model
    def _crm_job(self, company, job):
        """The progress row of ``job`` for ``company`` (as superuser), created the first time with an
        upsert, so that two transactions creating it at once do not collide."""
        domain = [("company_id", "=", company.id), ("job", "=", job)]
        row = self.sudo().search(domain)
        if row:
            return row
        self.env.execute_query(
            SQL(
                """
            INSERT INTO crm_company_job (company_id, job, after_id, create_uid, create_date, write_uid, write_date)
            VALUES (%(company)s, %(job)s, 0, %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC')
            ON CONFLICT (company_id, job) DO NOTHING
            """,
                company=company.id,
                job=job,
                uid=self.env.uid,
            )
        )
        # the one2many of the company does not know of a row made in SQL
        company.invalidate_recordset(["crm_job_ids"])
        return self.sudo().search(domain)

    @api.model
    def _crm_job_write(self, company, job, vals):
        """Write the progress ``vals`` of ``job`` for ``company``; nothing else is updated."""
        self._crm_job(company, job).write(vals)
