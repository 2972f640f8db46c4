"""18.0.1.1.0: the progress of the segmentation and repeat-sale jobs moves from res_company to
crm_company_job (one row per company and job, see models/crm_company_job.py). The values are
copied, then the old columns are dropped: res.company now computes those fields from the rows."""

JOBS = {
    "segments": {
        "crm_segment_last_run": "done_at",
        "crm_segment_run_date": "run_date",
        "crm_segment_run_after_id": "after_id",
    },
    "repeat": {
        "crm_repeat_refreshed_at": "done_at",
        "crm_repeat_rebuild_started_at": "started_at",
        "crm_repeat_rebuild_after_id": "after_id",
    },
}


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_company' AND column_name = ANY(%s)",
        [[column for columns in JOBS.values() for column in columns]],
    )
    present = {row[0] for row in cr.fetchall()}
    for job, columns in JOBS.items():
        if not set(columns) <= present:
            continue
        targets = ", ".join(columns.values())
        sources = ", ".join(f"COALESCE({c}, 0)" if c.endswith("_after_id") else c for c in columns)
        # column names come from JOBS above, not from input
        cr.execute(
            f"""
            INSERT INTO crm_company_job (company_id, job, {targets}, create_uid, create_date, write_uid, write_date)
            SELECT id, %s, {sources}, 1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC' FROM res_company
            ON CONFLICT (company_id, job) DO UPDATE SET {", ".join(f"{t} = EXCLUDED.{t}" for t in columns.values())}
            """,
            [job],
        )
        for column in columns:
            cr.execute(f'ALTER TABLE res_company DROP COLUMN IF EXISTS "{column}"')
