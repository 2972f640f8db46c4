"""Telemarketing campaigns: a client segment -> call tasks spread over callers -> results -> deals.

Target
    The clients of a campaign are commercial partners (companies, or individuals without a
    company) of the campaign's company (or shared), excluding the companies' own partners and
    internal users. They must match the campaign's client filter (``target_domain``, a domain on
    ``res.partner`` edited with Odoo's domain widget) and the chosen preset, computed in SQL over
    ``sale_order`` (confirmed orders of the campaign's company; an order of any contact of a client
    counts for the client):

    * ``lapsed`` -- "bought before, not recently": the client has a confirmed order in the 12
      months that precede the last N months (``lapsed_months``), and none in the last N months.
      With N = 12: bought last year, not this year.
    * ``class_a_idle`` -- "class A without orders for N days": ``crm_abc_class = 'A'`` and no
      confirmed order since today - N days (``idle_days``); a class A client that never ordered
      from this company qualifies too.
    * ``custom`` -- the client filter alone.

    "Today" is the current user's date; the limits are midnight (UTC) of the computed days.

Generation
    ``action_start`` / ``action_generate_tasks`` create one ``crm.call.task`` per target client in
    batches of ``crm_telephony.campaign_batch_size`` (default 1000) clients: the next target clients
    without a task, after the last one handled (keyset on the client id, kept in
    ``generation_last_partner_id``), inserted with one ``INSERT ... SELECT FROM unnest(...) ON
    CONFLICT (campaign_id, partner_id) DO NOTHING``. Running it again only adds the clients that
    joined the target since (a client has at most one task per campaign). Up to ``crm_telephony.campaign_sync_limit`` (default 2000) new clients are
    generated at once; more are generated in the background by a scheduled action that does one
    batch per run and reports its progress (``generation_done`` / ``generation_total``, shown on
    the campaign's form, and the cron progress API).

Distribution
    ``round_robin``: clients in id order, one caller after the other (the callers in id order);
    the position is kept on the campaign (``distribution_cursor``), so later generations continue
    the rotation. ``responsible``: the client's salesperson (``res.partner.user_id``) when it is an
    active internal user of the campaign's company, else the next caller of the round robin.

Statistics
    Counts per state and result, reached % (tasks whose last result means somebody answered, over
    the tasks with at least one attempt), deals created, won deals and their expected revenue are
    read from the ``crm.call.campaign.report`` SQL view, with the current user's access rules.
"""

from ast import literal_eval
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .crm_call_task import OPEN_STATES, REACHED_RESULTS

DEFAULT_BATCH_SIZE = 1000
DEFAULT_SYNC_LIMIT = 2000


class CrmCallCampaign(models.Model):
    _name = "crm.call.campaign"
    _description = "Telemarketing Campaign"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        default=lambda self: self.env["crm.team"].search(
            [("user_id", "=", self.env.uid), ("company_id", "in", [self.env.company.id, False])], limit=1
        ),
        help="Team running the campaign; its deals are created in this team.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        index=True,
        tracking=True,
        check_company=True,
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done"), ("cancelled", "Cancelled")],
        string="Status",
        required=True,
        default="draft",
        copy=False,
        index=True,
        tracking=True,
    )
    date_start = fields.Datetime(string="Started On", readonly=True, copy=False)
    date_end = fields.Datetime(string="Ended On", readonly=True, copy=False)

    # ------------------------------------------------------------------ target
    target_preset = fields.Selection(
        [
            ("lapsed", "Bought in the previous 12 months, not in the last N months"),
            ("class_a_idle", "Class A without orders for N days"),
            ("custom", "Client filter only"),
        ],
        string="Segment",
        required=True,
        default="lapsed",
        help="Which clients to call, computed from their confirmed sale orders; the client filter narrows it down.",
    )
    lapsed_months = fields.Integer(
        string="Not in the Last (Months)",
        default=3,
        help="Clients who bought in the 12 months before this period and not during it.",
    )
    idle_days = fields.Integer(
        string="Without Orders For (Days)",
        default=90,
        help="Class A clients without a confirmed order for at least this many days.",
    )
    target_domain = fields.Char(
        string="Client Filter",
        default="[]",
        help="Conditions on the clients (city, tags, salesperson, ...) that the segment must also meet.",
    )
    target_count = fields.Integer(string="Target Clients", compute="_compute_target_count")

    # ------------------------------------------------------------------ distribution
    distribution = fields.Selection(
        [
            ("round_robin", "Round robin over the callers"),
            ("responsible", "Client's salesperson (else round robin)"),
        ],
        required=True,
        default="round_robin",
    )
    caller_ids = fields.Many2many(
        "res.users",
        "crm_call_campaign_caller_rel",
        "campaign_id",
        "user_id",
        string="Callers",
        domain=[("share", "=", False)],
        check_company=True,
        help="Salespeople who call the clients (in round robin; the fallback of the client's salesperson).",
    )
    max_attempts = fields.Integer(
        default=3,
        required=True,
        help="After this many attempts without reaching the client, the task is closed as not reached.",
    )
    script = fields.Html(string="Call Script", help="What to say and to offer; shown to the callers on each task.")
    utm_campaign_id = fields.Many2one(
        "utm.campaign",
        string="UTM Campaign",
        copy=False,
        ondelete="set null",
        help="Campaign of the deals created from the calls (created with the campaign when empty).",
    )
    task_ids = fields.One2many("crm.call.task", "campaign_id", string="Call Tasks")

    # ------------------------------------------------------------------ generation progress
    distribution_cursor = fields.Integer(copy=False, readonly=True, help="Technical: next position of the round robin.")
    generation_last_partner_id = fields.Integer(
        copy=False, readonly=True, help="Technical: the last client handled by the generation under way."
    )
    generation_state = fields.Selection(
        [("none", "Not Generated"), ("running", "Generating"), ("done", "Generated")],
        string="Task Generation",
        default="none",
        required=True,
        copy=False,
        readonly=True,
    )
    generation_total = fields.Integer(string="Clients to Generate", copy=False, readonly=True)
    generation_done = fields.Integer(string="Tasks Generated", copy=False, readonly=True)
    generation_progress = fields.Float(compute="_compute_generation_progress")

    # ------------------------------------------------------------------ statistics
    task_count = fields.Integer(string="Tasks", compute="_compute_statistics")
    task_open_count = fields.Integer(string="To Call", compute="_compute_statistics")
    task_todo_count = fields.Integer(string="Not Called Yet", compute="_compute_statistics")
    task_in_progress_count = fields.Integer(string="In Progress", compute="_compute_statistics")
    task_done_count = fields.Integer(string="Done", compute="_compute_statistics")
    task_cancelled_count = fields.Integer(string="Cancelled", compute="_compute_statistics")
    attempted_count = fields.Integer(string="Called", compute="_compute_statistics")
    reached_count = fields.Integer(string="Reached", compute="_compute_statistics")
    result_reached_count = fields.Integer(string="Result: Reached", compute="_compute_statistics")
    result_not_reached_count = fields.Integer(string="Result: Not Reached", compute="_compute_statistics")
    result_call_back_count = fields.Integer(string="Result: Call Back", compute="_compute_statistics")
    result_not_interested_count = fields.Integer(string="Result: Not Interested", compute="_compute_statistics")
    result_deal_created_count = fields.Integer(string="Result: Deal Created", compute="_compute_statistics")
    reached_rate = fields.Float(
        string="Reached %",
        compute="_compute_statistics",
        help="Tasks whose client answered (reached, call back, not interested, deal created) "
        "over the tasks called at least once.",
    )
    deal_count = fields.Integer(string="Deals", compute="_compute_statistics")
    conversion_rate = fields.Float(
        string="Deals / Reached %", compute="_compute_statistics", help="Deals created over the clients reached."
    )
    won_count = fields.Integer(string="Won Deals", compute="_compute_statistics")
    won_revenue = fields.Monetary(
        compute="_compute_statistics",
        currency_field="currency_id",
        help="Expected revenue of the won deals created from the campaign's calls.",
    )

    _sql_constraints = [
        ("max_attempts_positive", "CHECK(max_attempts > 0)", "A task needs at least one attempt."),
    ]

    # ------------------------------------------------------------------ ORM

    @api.model_create_multi
    def create(self, vals_list):
        campaigns = super().create(vals_list)
        without_utm = campaigns.filtered(lambda c: not c.utm_campaign_id)
        if without_utm:
            utm_campaigns = self.env["utm.campaign"].create(
                [{"title": campaign.name, "is_auto_campaign": True} for campaign in without_utm]
            )
            for campaign, utm_campaign in zip(without_utm, utm_campaigns, strict=True):
                campaign.utm_campaign_id = utm_campaign
        return campaigns

    def write(self, vals):
        if "company_id" in vals and self.task_ids:
            raise UserError(_("The company of a campaign with call tasks cannot change."))
        return super().write(vals)

    @api.constrains("target_domain")
    def _check_target_domain(self):
        for campaign in self:
            try:
                self.env["res.partner"]._search(campaign._crm_target_domain())
            except (ValueError, SyntaxError, TypeError, KeyError) as error:
                raise ValidationError(
                    _(
                        "The client filter of %(campaign)s is not a valid domain: %(error)s",
                        campaign=campaign.name,
                        error=error,
                    )
                ) from error

    @api.constrains("lapsed_months", "idle_days")
    def _check_preset_periods(self):
        for campaign in self:
            if campaign.target_preset == "lapsed" and campaign.lapsed_months <= 0:
                raise ValidationError(_("The number of months without orders must be positive."))
            if campaign.target_preset == "class_a_idle" and campaign.idle_days <= 0:
                raise ValidationError(_("The number of days without orders must be positive."))

    # ------------------------------------------------------------------ computes

    @api.depends("generation_total", "generation_done", "generation_state")
    def _compute_generation_progress(self):
        for campaign in self:
            if campaign.generation_state == "done":
                campaign.generation_progress = 100.0
            elif campaign.generation_total:
                campaign.generation_progress = min(100.0, 100.0 * campaign.generation_done / campaign.generation_total)
            else:
                campaign.generation_progress = 0.0

    @api.depends("target_preset", "lapsed_months", "idle_days", "target_domain", "company_id")
    def _compute_target_count(self):
        self.env.flush_all()
        for campaign in self:
            campaign.target_count = 0
            if not campaign.company_id:
                continue
            try:
                query = campaign._crm_target_query()
            except (ValueError, SyntaxError, TypeError, KeyError):
                continue  # a filter being typed: the constraint reports it on save
            self.env.cr.execute(SQL("SELECT count(*) FROM (%s) AS target", query))
            campaign.target_count = self.env.cr.fetchone()[0]

    @api.depends("task_ids.state", "task_ids.result", "task_ids.lead_id", "task_ids.attempt_count")
    def _compute_statistics(self):
        stats = {campaign.id: {} for campaign in self}
        real = self.filtered("id")
        if real:
            self.env["crm.call.task"].flush_model()
            self.env["crm.lead"].flush_model(["stage_id", "expected_revenue", "active"])
            groups = self.env["crm.call.campaign.report"]._read_group(
                [("campaign_id", "in", real.ids)],
                ["campaign_id", "state", "result"],
                ["__count", "attempted:sum", "reached:sum", "deal:sum", "won:sum", "won_revenue:sum"],
            )
            for campaign, state, result, count, attempted, reached, deal, won, revenue in groups:
                row = stats[campaign.id]
                for key, value in (
                    ("total", count),
                    (f"state_{state}", count),
                    (f"result_{result}", count),
                    ("attempted", attempted),
                    ("reached", reached),
                    ("deal", deal),
                    ("won", won),
                    ("won_revenue", revenue),
                ):
                    row[key] = row.get(key, 0) + (value or 0)
        for campaign in self:
            row = stats.get(campaign.id, {})
            campaign.task_count = row.get("total", 0)
            campaign.task_todo_count = row.get("state_todo", 0)
            campaign.task_in_progress_count = row.get("state_in_progress", 0)
            campaign.task_open_count = campaign.task_todo_count + campaign.task_in_progress_count
            campaign.task_done_count = row.get("state_done", 0)
            campaign.task_cancelled_count = row.get("state_cancelled", 0)
            campaign.attempted_count = row.get("attempted", 0)
            campaign.reached_count = row.get("reached", 0)
            campaign.result_reached_count = row.get("result_reached", 0)
            campaign.result_not_reached_count = row.get("result_not_reached", 0)
            campaign.result_call_back_count = row.get("result_call_back", 0)
            campaign.result_not_interested_count = row.get("result_not_interested", 0)
            campaign.result_deal_created_count = row.get("result_deal_created", 0)
            campaign.deal_count = row.get("deal", 0)
            campaign.won_count = row.get("won", 0)
            campaign.won_revenue = row.get("won_revenue", 0.0)
            campaign.reached_rate = (
                100.0 * campaign.reached_count / campaign.attempted_count if campaign.attempted_count else 0.0
            )
            campaign.conversion_rate = (
                100.0 * campaign.deal_count / campaign.reached_count if campaign.reached_count else 0.0
            )

    # ------------------------------------------------------------------ target (SQL)

    def _crm_target_domain(self):
        self.ensure_one()
        domain = literal_eval(self.target_domain or "[]")
        if not isinstance(domain, list):
            raise ValueError(_("a domain is a list of conditions"))
        return domain

    def _crm_today(self):
        return fields.Date.context_today(self)

    def _crm_target_preset_condition(self):
        """SQL condition on ``p`` (res_partner) for the campaign's preset; see the module doc."""
        self.ensure_one()
        company_id = self.company_id.id
        today = self._crm_today()
        if self.target_preset == "lapsed":
            cut = datetime.combine(today - relativedelta(months=self.lapsed_months), time.min)
            start = cut - relativedelta(months=12)
            # every confirmed order since the window's start is older than the cut, and there is one
            return SQL(
                """p.id IN (
                    SELECT sp.commercial_partner_id
                      FROM sale_order so
                      JOIN res_partner sp ON sp.id = so.partner_id
                     WHERE so.state = 'sale' AND so.company_id = %(company)s AND so.date_order >= %(start)s
                       AND sp.commercial_partner_id IS NOT NULL
                  GROUP BY sp.commercial_partner_id
                    HAVING max(so.date_order) < %(cut)s
                )""",
                company=company_id,
                start=start,
                cut=cut,
            )
        if self.target_preset == "class_a_idle":
            since = datetime.combine(today - relativedelta(days=self.idle_days), time.min)
            return SQL(
                """p.crm_abc_class = 'A' AND p.id NOT IN (
                    SELECT sp.commercial_partner_id
                      FROM sale_order so
                      JOIN res_partner sp ON sp.id = so.partner_id
                     WHERE so.state = 'sale' AND so.company_id = %(company)s AND so.date_order >= %(since)s
                       AND sp.commercial_partner_id IS NOT NULL
                )""",
                company=company_id,
                since=since,
            )
        return SQL("TRUE")

    def _crm_target_query(self, only_new=False, after_id=0, limit=None):
        """SELECT of the target clients: columns ``partner_id`` and ``responsible_id`` (the client's
        salesperson when usable for the responsible distribution), ordered by client id.

        ``only_new``: without the clients that have a task in the campaign (a hashed ``NOT IN``,
        linear whatever the planner's estimate of a freshly filled task table); ``after_id``: only
        clients of a greater id (the batches walk the target in id order)."""
        self.ensure_one()
        company_id = self.company_id.id
        domain_query = self.env["res.partner"].with_company(self.company_id)._search(self._crm_target_domain())
        conditions = [
            SQL("p.active AND p.id = p.commercial_partner_id"),
            SQL("(p.company_id IS NULL OR p.company_id = %s)", company_id),
            SQL("NOT EXISTS (SELECT 1 FROM res_company rc WHERE rc.partner_id = p.id)"),
            SQL("NOT EXISTS (SELECT 1 FROM res_users iu WHERE iu.partner_id = p.id AND NOT iu.share)"),
            SQL("p.id IN %s", domain_query.subselect()),
            self._crm_target_preset_condition(),
        ]
        if only_new:
            conditions.append(
                SQL("p.id NOT IN (SELECT t.partner_id FROM crm_call_task t WHERE t.campaign_id = %s)", self.id)
            )
        if after_id:
            conditions.append(SQL("p.id > %s", after_id))
        return SQL(
            """SELECT p.id AS partner_id, ru.id AS responsible_id
                 FROM res_partner p
            LEFT JOIN res_users ru ON ru.id = p.user_id AND ru.active AND NOT ru.share
                      AND EXISTS (SELECT 1 FROM res_company_users_rel rcu WHERE rcu.user_id = ru.id AND rcu.cid = %s)
                WHERE %s
             ORDER BY p.id
                %s""",
            company_id,
            SQL(" AND ").join(conditions),
            SQL("LIMIT %s", limit) if limit else SQL(),
        )

    def _crm_target_ids(self):
        """Ids of the clients the campaign targets now, in id order."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT partner_id FROM (%s) AS target", self._crm_target_query()))
        return [row[0] for row in self.env.cr.fetchall()]

    def _crm_new_target_count(self):
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) AS target", self._crm_target_query(only_new=True)))
        return self.env.cr.fetchone()[0]

    # ------------------------------------------------------------------ generation

    @api.model
    def _crm_batch_size(self):
        value = self.env["ir.config_parameter"].sudo().get_param("crm_telephony.campaign_batch_size")
        return max(int(value or DEFAULT_BATCH_SIZE), 1)

    @api.model
    def _crm_sync_limit(self):
        value = self.env["ir.config_parameter"].sudo().get_param("crm_telephony.campaign_sync_limit")
        return max(int(value if value not in (None, False, "") else DEFAULT_SYNC_LIMIT), 0)

    def _crm_check_can_generate(self):
        for campaign in self:
            if campaign.state not in ("draft", "running"):
                raise UserError(
                    _("The campaign %(campaign)s is closed: no more tasks can be generated.", campaign=campaign.name)
                )
            if not campaign.caller_ids.filtered("active"):
                raise UserError(_("Choose the callers of the campaign %(campaign)s first.", campaign=campaign.name))

    def _crm_generate_batch(self):
        """Create the tasks of the next ``batch size`` target clients (in id order, after the last
        one handled) that have none yet.

        Returns (tasks created, clients handled, whether the target is exhausted)."""
        self.ensure_one()
        batch_size = self._crm_batch_size()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(self._crm_target_query(only_new=True, after_id=self.generation_last_partner_id, limit=batch_size))
        rows = cr.fetchall()
        if not rows:
            return 0, 0, True
        # a concurrent generation may have given some of them a task meanwhile: one lookup on the unique index
        cr.execute(
            SQL(
                "SELECT partner_id FROM crm_call_task WHERE campaign_id = %s AND partner_id = ANY(%s)",
                self.id,
                [row[0] for row in rows],
            )
        )
        existing = {row[0] for row in cr.fetchall()}
        rows_new = [row for row in rows if row[0] not in existing]
        callers = self.caller_ids.filtered("active").sorted("id").ids
        if rows_new and not callers:
            raise UserError(_("Choose the callers of the campaign %(campaign)s first.", campaign=self.name))
        cursor = self.distribution_cursor
        partner_ids, user_ids = [], []
        for partner_id, responsible_id in rows_new:
            partner_ids.append(partner_id)
            if self.distribution == "responsible" and responsible_id:
                user_ids.append(responsible_id)
            else:
                user_ids.append(callers[cursor % len(callers)])
                cursor += 1
        created = 0
        if partner_ids:
            now = fields.Datetime.now()
            cr.execute(
                SQL(
                    """
                    INSERT INTO crm_call_task (campaign_id, partner_id, user_id, company_id, state, attempt_count,
                                               create_uid, create_date, write_uid, write_date)
                    SELECT %(campaign)s, v.partner_id, v.user_id, %(company)s, 'todo', 0,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM unnest(%(partners)s::int[], %(users)s::int[]) AS v(partner_id, user_id)
                    ON CONFLICT (campaign_id, partner_id) DO NOTHING
                    RETURNING id
                    """,
                    campaign=self.id,
                    company=self.company_id.id,
                    uid=self.env.uid,
                    now=now,
                    partners=partner_ids,
                    users=user_ids,
                )
            )
            created = len(cr.fetchall())
        self.write(
            {
                "distribution_cursor": cursor,
                "generation_done": self.generation_done + created,
                "generation_last_partner_id": rows[-1][0],
            }
        )
        self.invalidate_recordset(["task_ids"])
        return created, len(rows), len(rows) < batch_size

    def _crm_generation_finished(self):
        for campaign in self:
            campaign.generation_state = "done"
            campaign.message_post(
                body=_(
                    "Call tasks generated: %(new)s new, %(total)s in the campaign.",
                    new=campaign.generation_done,
                    total=len(campaign.task_ids),
                )
            )

    def action_generate_tasks(self):
        """Add a task for each target client without one (see the module doc: batches, background)."""
        self.check_access("write")
        self._crm_check_can_generate()
        sync_limit = self._crm_sync_limit()
        background = self.env["crm.call.campaign"]
        for campaign in self:
            remaining = campaign._crm_new_target_count()
            campaign.write(
                {
                    "generation_state": "running",
                    "generation_total": remaining,
                    "generation_done": 0,
                    "generation_last_partner_id": 0,
                }
            )
            if remaining > sync_limit:
                background |= campaign
                continue
            finished = not remaining
            while not finished:
                _created, _handled, finished = campaign._crm_generate_batch()
            campaign._crm_generation_finished()
        if background:
            # sudo: a head of sales may start the generation job, not read or edit scheduled actions
            self.env.ref("crm_telephony.ir_cron_crm_call_campaign_generate").sudo()._trigger()
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "message": _(
                        "The call tasks are being generated in the background; the campaign shows the progress."
                    ),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return True

    @api.model
    def _cron_generate_tasks(self):
        """One batch of the oldest campaign being generated; progress reported to the cron runner,
        which commits and calls again while something remains."""
        campaigns = self.search([("generation_state", "=", "running")], order="id")
        if not campaigns:
            return
        campaign = campaigns[0]
        if campaign.state not in ("draft", "running") or not campaign.caller_ids.filtered("active"):
            # closed or left without callers meanwhile: stop generating it
            campaign.generation_state = "done" if campaign.task_ids else "none"
            handled, finished = 0, True
        else:
            _created, handled, finished = campaign._crm_generate_batch()
            if finished:
                campaign._crm_generation_finished()
        remaining = sum(
            max(c.generation_total - c.generation_done, 1) for c in campaigns if c.generation_state == "running"
        )
        self.env["ir.cron"]._notify_progress(done=max(handled, 1), remaining=remaining)

    # ------------------------------------------------------------------ states

    def action_start(self):
        for campaign in self:
            if campaign.state != "draft":
                raise UserError(_("Only a draft campaign can be started."))
        self._crm_check_can_generate()
        self.write({"state": "running", "date_start": fields.Datetime.now()})
        to_generate = self.filtered(lambda c: c.generation_state == "none")
        if to_generate:
            return to_generate.action_generate_tasks()
        return True

    def _crm_close(self, state):
        # sudo: closing a campaign (the user may write it) closes all its open tasks, including
        # those of callers outside the user's team that the task rules hide from them.
        tasks = self.env["crm.call.task"].sudo().search([("campaign_id", "in", self.ids), ("state", "in", OPEN_STATES)])
        tasks.action_cancel()
        self.write({"state": state, "date_end": fields.Datetime.now()})
        return True

    def action_done(self):
        if any(campaign.state != "running" for campaign in self):
            raise UserError(_("Only a running campaign can be finished."))
        return self._crm_close("done")

    def action_cancel(self):
        if any(campaign.state not in ("draft", "running") for campaign in self):
            raise UserError(_("This campaign is already closed."))
        return self._crm_close("cancelled")

    # ------------------------------------------------------------------ navigation

    def _crm_tasks_action(self, domain=(), context=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_telephony.crm_call_task_action")
        action["domain"] = [("campaign_id", "=", self.id), *domain]
        action["context"] = {"default_campaign_id": self.id, **(context or {})}
        return action

    def action_view_tasks(self):
        return self._crm_tasks_action()

    def action_view_open_tasks(self):
        return self._crm_tasks_action([("state", "in", OPEN_STATES)])

    def action_view_done_tasks(self):
        return self._crm_tasks_action([("state", "=", "done")], {"search_default_group_result": 1})

    def action_view_reached_tasks(self):
        return self._crm_tasks_action([("result", "in", REACHED_RESULTS)], {"search_default_group_result": 1})

    def action_view_deals(self):
        self.ensure_one()
        leads = self.task_ids.lead_id
        return {
            "type": "ir.actions.act_window",
            "name": _("Deals"),
            "res_model": "crm.lead",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
            "domain": [("id", "in", leads.ids)],
            "context": {"active_test": False},
        }

    def action_view_report(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_telephony.crm_call_campaign_report_action")
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"search_default_group_user": 1}
        return action

    def action_view_target(self):
        """The clients the campaign targets now (those with a task included)."""
        self.ensure_one()
        partner_ids = self._crm_target_ids()
        return {
            "type": "ir.actions.act_window",
            "name": _("Target Clients"),
            "res_model": "res.partner",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", partner_ids)],
        }
