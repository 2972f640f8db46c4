# Russian demo data: Cyrillic letters in strings are intended.
"""Demo data: a finished and a running telemarketing campaign over the generated clients.

Both go through the campaigns' own code (preset, generation, results, deal creation by the
callers); only the dates are moved back afterwards, in SQL, the way the generator backdates the
rest of its history: the finished campaign ran from 45 to 15 days ago, the running one started
5 days ago."""

import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.crm_pipeline.models.crm_demo_generator import _Progress, _say

FINISHED_RESULTS = (
    # (weight, results recorded one after the other; "cancelled": left untouched until the end)
    (30, ("reached",)),
    (20, ("not_interested",)),
    (10, ("call_back", "reached")),
    (15, ("deal_created",)),
    (5, ("not_reached", "deal_created")),
    (12, ("not_reached", "not_reached", "not_reached")),
    (8, ("cancelled",)),
)
RUNNING_RESULTS = (
    (45, ()),
    (15, ("not_reached",)),
    (10, ("call_back",)),
    (12, ("reached",)),
    (8, ("not_interested",)),
    (10, ("deal_created",)),
)
WON_SHARE = 0.4
SCRIPT = (
    "<p>Здравствуйте! Меня зовут {{имя}}, компания ООО «Вектор». Вы у нас заказывали кабельную продукцию.</p>"
    "<ul><li>Узнать, как прошли поставки и есть ли новые объекты.</li>"
    "<li>Предложить прайс-лист этого сезона и скидку 5 % на первый заказ.</li>"
    "<li>Договориться о встрече или коммерческом предложении.</li></ul>"
)


class CrmDemoGenerator(models.AbstractModel):
    _inherit = "crm.demo.generator"

    @api.model
    def _demo_steps(self):
        return [*super()._demo_steps(), ("Telemarketing campaigns", "_demo_step_call_campaigns")]

    @api.model
    def _demo_summary_models(self):
        return [*super()._demo_summary_models(), "crm.call.campaign", "crm.call.task"]

    def _demo_step_call_campaigns(self, ctx):
        rng = random.Random(f"{ctx['seed']}:call_campaigns")
        company = ctx["company"]
        team = ctx["teams"][0]
        callers = (team.member_ids & ctx["salespeople"]) or ctx["salespeople"][:3]
        now = fields.Datetime.now()
        Campaign = self.env["crm.call.campaign"].with_company(company).with_user(ctx["head"])
        common = {"company_id": company.id, "team_id": team.id, "caller_ids": [(6, 0, callers.ids)], "script": SCRIPT}
        # half a year without orders; a month for the short histories of the small sizes
        lapse = max(1, min(6, ctx["config"]["months"] // 4))
        finished = Campaign.create(
            {
                **common,
                "name": f"Возврат клиентов: нет заказов {lapse} мес.",
                "target_preset": "lapsed",
                "lapsed_months": lapse,
                "distribution": "round_robin",
                "max_attempts": 3,
            }
        )
        running = Campaign.create(
            {
                **common,
                "name": "Клиенты класса A без заказов 60 дней",
                "target_preset": "class_a_idle",
                "idle_days": 60,
                "distribution": "responsible",
                "max_attempts": 4,
            }
        )
        if not running.target_count:
            # no ABC classes computed in this database: a shorter lapse instead
            running.write({"name": "Клиенты без заказов 2 месяца", "target_preset": "lapsed", "lapsed_months": 2})
        for campaign, results, start_days, end_days in (
            (finished, FINISHED_RESULTS, 45, 15),
            (running, RUNNING_RESULTS, 5, None),
        ):
            campaign.action_start()
            tasks = campaign.task_ids.sorted("id")
            progress = _Progress(campaign.name, len(tasks), "tasks")
            start = now - timedelta(days=start_days)
            end = now - timedelta(days=end_days) if end_days is not None else now
            won, dates = self.env["crm.lead"], []
            for task in tasks:
                path = rng.choices([p for _w, p in results], weights=[w for w, _p in results])[0]
                attempt_dates = sorted(
                    start + timedelta(seconds=rng.randrange(int((end - start).total_seconds()) or 1))
                    for _i in range(len(path))
                )
                self._demo_call_task(task, path, now)
                if task.lead_id and end_days is not None and rng.random() < WON_SHARE:
                    task.lead_id.expected_revenue = rng.randrange(50, 900) * 1000
                    won |= task.lead_id
                dates.append((task, attempt_dates))
                progress.advance()
            if won:
                won.action_set_won()
            if end_days is not None:
                campaign.action_done()
            self._demo_backdate_campaign(campaign, start, end if end_days is not None else None, dates, won, rng)
            self._demo_commit()
            _say(f"  {campaign.name}: {len(tasks)} tasks, {len(campaign.task_ids.lead_id)} deals, {len(won)} won")

    def _demo_call_task(self, task, path, now):
        """Record ``path`` (results, in order) as the task's caller would."""
        task = task.with_user(task.user_id)
        for result in path:
            if result == "cancelled":
                return
            if result == "deal_created":
                task.note = "Интересуются поставкой на новый объект, просили коммерческое предложение."
                task.action_create_deal()
                return
            if result == "call_back":
                task.date_next_call = now + timedelta(days=2, hours=3)
            task._crm_record_result(result)

    def _demo_backdate_campaign(self, campaign, start, end, dates, won, rng):
        """Move the campaign, its tasks and its deals to their planned dates (SQL, like the generator)."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "UPDATE crm_call_campaign SET create_date = %s, date_start = %s, date_end = %s WHERE id = %s",
                start - timedelta(days=2),
                start,
                end,
                campaign.id,
            )
        )
        ids, last_attempts, done_dates = [], [], []
        for task, attempt_dates in dates:
            ids.append(task.id)
            last = attempt_dates[-1] if attempt_dates and task.attempt_count else None
            last_attempts.append(last)
            done_dates.append(last if task.state == "done" else (end if task.state == "cancelled" else None))
        cr.execute(
            SQL(
                """
                UPDATE crm_call_task t
                   SET create_date = %s, write_date = COALESCE(v.done, v.last, %s),
                       date_last_attempt = v.last, date_done = v.done
                  FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[]) AS v(id, last, done)
                 WHERE t.id = v.id
                """,
                start,
                start,
                ids,
                last_attempts,
                done_dates,
            )
        )
        leads = [(task.lead_id.id, done) for (task, _d), done in zip(dates, done_dates, strict=True) if task.lead_id]
        if leads:
            lead_ids = [lead_id for lead_id, _done in leads]
            created = [done or start for _lead_id, done in leads]
            closed = [
                (done or start) + timedelta(days=rng.randrange(1, 10)) if lead_id in won.ids else None
                for lead_id, done in leads
            ]
            closed = [min(c, fields.Datetime.now()) if c else None for c in closed]
            cr.execute(
                SQL(
                    """
                    UPDATE crm_lead l
                       SET create_date = v.created, date_open = v.created, date_conversion = v.created,
                           date_closed = CASE WHEN l.date_closed IS NULL THEN NULL ELSE v.closed END,
                           date_last_stage_update = COALESCE(v.closed, v.created)
                      FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[]) AS v(id, created, closed)
                     WHERE l.id = v.id
                    """,
                    lead_ids,
                    created,
                    closed,
                )
            )
            cr.execute(
                SQL(
                    """
                    UPDATE crm_lead_stage_log g
                       SET date_in = CASE WHEN g.outcome = 'won' THEN COALESCE(v.closed, v.created) ELSE v.created END,
                           date_out = CASE WHEN g.date_out IS NULL THEN NULL ELSE COALESCE(v.closed, v.created) END
                      FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[]) AS v(id, created, closed)
                     WHERE g.lead_id = v.id
                    """,
                    lead_ids,
                    created,
                    closed,
                )
            )
            cr.execute(
                SQL(
                    """
                    UPDATE crm_lead_stage_log
                       SET duration_seconds = COALESCE(EXTRACT(EPOCH FROM (date_out - date_in))::int, 0),
                           duration_days = COALESCE(ROUND((EXTRACT(EPOCH FROM (date_out - date_in)) / 86400.0)::numeric, 2), 0)
                     WHERE lead_id = ANY(%s)
                    """,
                    lead_ids,
                )
            )
        self.env.invalidate_all()
