"""Demo data: deal types on the generated deals and their two years of stage history."""

from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class CrmDemoGenerator(models.AbstractModel):
    _inherit = "crm.demo.generator"

    @api.model
    def _demo_steps(self):
        return self._demo_insert_step(
            super()._demo_steps(), "_demo_step_leads", "Deal types and stage history", "_demo_step_deal_types"
        )

    def _demo_step_deal_types(self, ctx):
        """Give each generated deal a deal type and a stage path consistent with its dates.

        Won deals went through every stage of their type, lost deals through
        the first few, open deals are somewhere in the middle. The leads'
        stage and the stage log are rewritten in SQL, one statement per batch,
        like the generator backdates the leads themselves: going through the
        ORM would stamp every move with today's date."""
        rng = ctx["rng"]
        company = ctx["company"]
        types = {
            key: self.env.ref(f"crm_pipeline.crm_deal_type_{key}", raise_if_not_found=False)
            for key in ("quick", "long", "repeat")
        }
        types = {key: deal_type for key, deal_type in types.items() if deal_type and deal_type.stage_ids}
        if not types:
            return
        self.env.flush_all()
        leads = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("company_id", "=", company.id), ("type", "=", "opportunity")], order="id")
        )
        today = min(datetime.combine(ctx["today"], datetime.min.time()) + timedelta(hours=18), fields.Datetime.now())
        batch = ctx["config"]["batch"] * 5
        for start in range(0, len(leads), batch):
            chunk = leads[start : start + batch]
            lead_rows, log_rows = [], []
            for lead in chunk:
                key = self._demo_pick_deal_type(rng, lead, types)
                deal_type = types[key]
                path, final_stage, outcome = self._demo_stage_path(rng, lead, deal_type)
                created = lead.create_date
                end = lead.date_closed if outcome in ("won", "lost") and lead.date_closed else today
                end = max(end, created + timedelta(hours=len(path) + 1))
                # stay boundaries: random cut points between creation and the end
                cuts = sorted(rng.random() for _i in range(len(path) - 1))
                span = (end - created).total_seconds()
                bounds = [created] + [created + timedelta(seconds=int(span * cut)) for cut in cuts] + [end]
                for position, stage in enumerate(path):
                    last = position == len(path) - 1
                    date_out = bounds[position + 1] if not last or outcome != "open" else None
                    row_outcome = "moved" if not last else ("lost" if outcome == "lost" else "open")
                    if last and outcome == "won":
                        row_outcome = "moved"
                    log_rows.append((lead, deal_type, stage, bounds[position], date_out, row_outcome))
                if outcome == "won":
                    log_rows.append((lead, deal_type, final_stage, end, end, "won"))
                last_change = end if outcome == "won" else bounds[len(path) - 1]
                lead_rows.append((lead.id, deal_type.id, final_stage.id, last_change))
            self._demo_write_stage_history(chunk, lead_rows, log_rows)
            self._demo_commit()

    def _demo_pick_deal_type(self, rng, lead, types):
        if "repeat" in types and lead.partner_id and lead.partner_id.sale_order_count and rng.random() < 0.6:
            return "repeat"
        if "long" in types and (lead.expected_revenue > 300000 or rng.random() < 0.25):
            return "long"
        return "quick" if "quick" in types else next(iter(types))

    def _demo_stage_path(self, rng, lead, deal_type):
        """(stages visited in order, stage the deal is in now, outcome)."""
        open_stages = list(deal_type._crm_pipeline_open_stages()) or list(deal_type.stage_ids)
        if lead.stage_id.is_won:
            won_stage = deal_type.stage_ids.filtered("is_won")[:1] or lead.stage_id
            return open_stages, won_stage, "won"
        reached = rng.randrange(1, len(open_stages) + 1)
        path = open_stages[:reached]
        return path, path[-1], "open" if lead.active else "lost"

    def _demo_write_stage_history(self, leads, lead_rows, log_rows):
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                UPDATE crm_lead l
                   SET deal_type_id = v.deal_type_id, stage_id = v.stage_id, date_last_stage_update = v.changed
                  FROM unnest(%s::int[], %s::int[], %s::int[], %s::timestamp[]) AS v(id, deal_type_id, stage_id, changed)
                 WHERE l.id = v.id
                """,
                [row[0] for row in lead_rows],
                [row[1] for row in lead_rows],
                [row[2] for row in lead_rows],
                [row[3] for row in lead_rows],
            )
        )
        cr.execute(SQL("DELETE FROM crm_lead_stage_log WHERE lead_id = ANY(%s)", leads.ids))
        uid, now = self.env.uid, cr.now()
        cr.execute(
            SQL(
                """
                INSERT INTO crm_lead_stage_log (
                    lead_id, deal_type_id, stage_id, team_id, user_id, company_id, date_in, date_out,
                    duration_seconds, duration_days, outcome, create_uid, create_date, write_uid, write_date)
                SELECT v.lead_id, v.deal_type_id, v.stage_id, l.team_id, l.user_id, l.company_id, v.date_in, v.date_out,
                       COALESCE(EXTRACT(EPOCH FROM (v.date_out - v.date_in))::int, 0),
                       COALESCE(ROUND((EXTRACT(EPOCH FROM (v.date_out - v.date_in)) / 86400.0)::numeric, 2), 0),
                       v.outcome, %s, %s, %s, %s
                  FROM unnest(%s::int[], %s::int[], %s::int[], %s::timestamp[], %s::timestamp[], %s::varchar[])
                       AS v(lead_id, deal_type_id, stage_id, date_in, date_out, outcome)
                  JOIN crm_lead l ON l.id = v.lead_id
                """,
                uid,
                now,
                uid,
                now,
                [row[0].id for row in log_rows],
                [row[1].id for row in log_rows],
                [row[2].id for row in log_rows],
                [row[3] for row in log_rows],
                [row[4] for row in log_rows],
                [row[5] for row in log_rows],
            )
        )
        leads.invalidate_recordset(["deal_type_id", "stage_id", "date_last_stage_update", "stage_log_ids"])
        self.env["crm.lead.stage.log"].invalidate_model()
