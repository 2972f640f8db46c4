# Russian demo data: Cyrillic letters in strings are intended.
"""Demo data: an office PBX with the managers' extensions and a year of their calls.

Calls follow the generated business: each manager calls the contacts of the clients they are
responsible for and is called by them, on working days and hours (Moscow time), with realistic
shares of missed, busy and failed calls and talk times; calls of a client during one of its open
deals are linked to it; a few callers are unknown. The year of history is inserted in SQL
batches (the ORM would take minutes for tens of thousands of rows); the consequences of the last
days (call-back activities for missed calls, pool leads of unknown callers) go through the
calls' own code."""

import random
from bisect import bisect_right
from collections import defaultdict
from datetime import datetime, timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

from odoo.addons.crm_pipeline.models.crm_demo_generator import LEAD_SUBJECTS, _Progress, _say

CALL_DAYS = 365
# Moscow working day 09:00-19:00 = 06:00-16:00 UTC
DAY_START_UTC = 6
DAY_HOURS = 10
INCOMING_SHARE = 0.4
UNKNOWN_CALLER_SHARE = 0.07
# (state, weight, wait range in seconds)
INCOMING_OUTCOMES = (("answered", 85, (3, 35)), ("missed", 15, (20, 60)))
OUTGOING_OUTCOMES = (
    ("answered", 62, (5, 30)),
    ("missed", 25, (30, 60)),
    ("busy", 9, (2, 8)),
    ("failed", 4, (0, 3)),
)
QUEUE_EXTENSION = "100"
# Days back in which missed calls still have their call-back activity, and unknown callers their pool lead.
RECENT_MISSED_DAYS = 3
RECENT_UNKNOWN_DAYS = 30
INSERT_BATCH = 2000


class CrmDemoGenerator(models.AbstractModel):
    _inherit = "crm.demo.generator"

    @api.model
    def _demo_sizes(self):
        sizes = super()._demo_sizes()
        for size, calls in (("tiny", 2), ("small", 10), ("medium", 12), ("large", 15)):
            if size in sizes:
                sizes[size].setdefault("calls_per_day", calls)
        return sizes

    @api.model
    def _demo_steps(self):
        return self._demo_insert_step(super()._demo_steps(), "_demo_step_activities", "Calls", "_demo_step_calls")

    @api.model
    def _demo_summary_models(self):
        return [*super()._demo_summary_models(), "crm.pbx", "crm.pbx.extension", "crm.call"]

    def _demo_step_calls(self, ctx):
        rng = random.Random(f"{ctx['seed']}:calls")
        company = ctx["company"]
        salespeople = ctx["salespeople"]
        pbx = self._demo_pbx(ctx)
        extensions = {ext.user_id.id: ext.extension for ext in pbx.extension_ids}
        contacts = self._demo_call_contacts(ctx)
        leads = self._demo_call_leads(company)
        now = fields.Datetime.now()
        today = ctx["today"]
        days = [
            day for day in (today - timedelta(days=offset) for offset in range(CALL_DAYS, -1, -1)) if day.weekday() < 5
        ]
        per_day = ctx["config"].get("calls_per_day", 10)
        total = len(days) * len(salespeople) * per_day
        progress = _Progress("calls", total, "calls")
        rows, counter = [], 0
        for day in days:
            midnight = datetime.combine(day, datetime.min.time())
            for user in salespeople:
                mine = contacts.get(user.id)
                if not mine:
                    continue
                for _i in range(max(0, round(rng.gauss(per_day, per_day / 3)))):
                    start = midnight + timedelta(hours=DAY_START_UTC, seconds=rng.randrange(DAY_HOURS * 3600))
                    if start > now:
                        continue
                    counter += 1
                    rows.append(self._demo_call_row(rng, ctx, pbx, user, extensions, mine, leads, start, counter))
            if len(rows) >= INSERT_BATCH:
                self._demo_insert_calls(rows)
                progress.advance(len(rows))
                rows = []
                self._demo_commit()
        if rows:
            self._demo_insert_calls(rows)
            progress.advance(len(rows))
        progress.advance(0, force=True)
        self._demo_recent_call_consequences(
            pbx, now - timedelta(days=RECENT_MISSED_DAYS), now - timedelta(days=RECENT_UNKNOWN_DAYS)
        )
        _say(f"  calls: {counter} calls on the PBX {pbx.name}")

    def _demo_pbx(self, ctx):
        """The office PBX: the head of sales and every salesperson but the last one have an
        extension (the last one shows routing falling back to the team's queue)."""
        team = ctx["teams"][0]
        managers = [ctx["head"], *ctx["salespeople"][:-1]]
        team.phone_queue_extension = "110"
        return self.env["crm.pbx"].create(
            {
                "name": "Офисная АТС",
                "kind": "generic",
                "company_id": ctx["company"].id,
                "default_queue_extension": QUEUE_EXTENSION,
                "team_id": team.id,
                "extension_ids": [
                    Command.create({"user_id": user.id, "extension": str(200 if index == 0 else 100 + index)})
                    for index, user in enumerate(managers)
                ],
            }
        )

    def _demo_call_contacts(self, ctx):
        """Per responsible manager: (contact, client, number as written, E.164 key) of the
        numbers of their clients and the clients' contact persons."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT c.user_id, p.id, c.id, p.phone, p.phone_e164, p.mobile, p.mobile_e164
              FROM res_partner p
              JOIN res_partner c ON c.id = p.commercial_partner_id
             WHERE c.id = ANY(%s) AND c.user_id IS NOT NULL
             ORDER BY p.id
            """,
                ctx["clients"].ids,
            )
        )
        contacts = defaultdict(list)
        for user_id, partner_id, client_id, phone, phone_key, mobile, mobile_key in rows:
            for raw, key in ((phone, phone_key), (mobile, mobile_key)):
                if raw and key:
                    contacts[user_id].append((partner_id, client_id, raw, key))
        return contacts

    def _demo_call_leads(self, company):
        """Per client: its leads as sorted (created, closed or None, id, user)."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.commercial_partner_id, l.create_date, l.date_closed, l.id, l.user_id
              FROM crm_lead l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.company_id = %s
             ORDER BY l.create_date, l.id
            """,
                company.id,
            )
        )
        leads = defaultdict(list)
        for client_id, created, closed, lead_id, user_id in rows:
            leads[client_id].append((created, closed, lead_id, user_id))
        return leads

    def _demo_call_row(self, rng, ctx, pbx, user, extensions, mine, leads, start, counter):
        direction = "in" if rng.random() < INCOMING_SHARE else "out"
        partner_id = client_id = lead_id = None
        team_id = user.sale_team_id.id or None
        if direction == "in" and rng.random() < UNKNOWN_CALLER_SHARE:
            raw = self._demo_phone(rng, rng.choice((0, 1, 2)))
            key = self.env["res.partner"]._crm_telephony_phone_key(raw, ctx["company"].country_id)
        else:
            partner_id, client_id, raw, key = rng.choice(mine)
            client_leads = leads.get(client_id, ())
            index = bisect_right([lead[0] for lead in client_leads], start)
            for created, closed, candidate, _user_id in reversed(client_leads[:index]):
                if created <= start and (not closed or closed >= start):
                    lead_id = candidate
                    break
        outcomes = INCOMING_OUTCOMES if direction == "in" else OUTGOING_OUTCOMES
        state, _weight, (wait_min, wait_max) = rng.choices(outcomes, [o[1] for o in outcomes])[0]
        wait = rng.randint(wait_min, wait_max)
        talk = int(min(3600, rng.lognormvariate(4.6, 0.9))) + 5 if state == "answered" else 0
        answer = start + timedelta(seconds=wait) if state == "answered" else None
        end = start + timedelta(seconds=wait + talk)
        extension = extensions.get(user.id) or (QUEUE_EXTENSION if direction == "in" else None)
        topic = rng.choice(LEAD_SUBJECTS) if state == "answered" and rng.random() < 0.3 else None
        return (
            pbx.id,
            f"demo-{ctx['seed']}-{counter}",
            direction,
            raw,
            key,
            extension,
            partner_id,
            client_id,
            lead_id,
            user.id,
            team_id,
            state,
            start,
            answer,
            end,
            wait,
            talk,
            topic,
            ctx["company"].id,
        )

    def _demo_insert_calls(self, rows):
        values = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, now() at time zone 'UTC', %s, now() at time zone 'UTC')",
                *row,
                self.env.uid,
                self.env.uid,
            )
            for row in rows
        )
        self.env.execute_query(
            SQL(
                """
            INSERT INTO crm_call (pbx_id, external_id, direction, number_raw, number_e164, extension,
                                  partner_id, commercial_partner_id, lead_id, user_id, team_id, state,
                                  date_start, date_answer, date_end, wait_seconds, talk_seconds, topic,
                                  company_id, create_uid, create_date, write_uid, write_date)
            VALUES %s
            """,
                values,
            )
        )

    def _demo_recent_call_consequences(self, pbx, missed_since, unknown_since):
        """What the last days' calls left for today: call-back activities of the missed calls and
        the pool leads of the unknown callers, made by the calls' own code."""
        Call = self.env["crm.call"]
        missed = Call.search(
            [
                ("pbx_id", "=", pbx.id),
                ("direction", "=", "in"),
                ("state", "=", "missed"),
                ("date_start", ">=", missed_since),
            ]
        )
        for call in missed.filtered("partner_id"):
            call._crm_call_schedule_call_back()
        unknown = Call.search(
            [
                ("pbx_id", "=", pbx.id),
                ("direction", "=", "in"),
                ("partner_id", "=", False),
                ("number_e164", "!=", False),
                ("date_start", ">=", unknown_since),
            ],
            order="date_start",
        )
        for call in unknown:
            call._crm_call_unknown_caller_lead(pbx)
        _say(f"  calls: {len(missed)} recent missed calls, {len(unknown)} recent calls of unknown callers")
