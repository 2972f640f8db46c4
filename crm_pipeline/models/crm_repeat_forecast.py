"""Repeat sales: when will a client order again?

Per company, per client (commercial partner) and per product category -- plus
one row per client for all its products (``categ_id`` empty) -- from the
company's confirmed sale orders (``state = 'sale'``):

* the client's order *days* (several orders on one day count once, so that a
  split order does not make a zero interval), per category the days with an
  order line of a product of that category (the product's own category, not
  its parents);
* with at least ``crm_repeat_min_orders`` days (default 3): the median interval
  between consecutive days, its spread as the interquartile range (p75 - p25:
  robust like the median; a large IQR means an unreliable forecast), and the
  predicted next order date = last order day + median (rounded to days).
  Order days are the UTC date of the order date.

Why a table refreshed by a scheduled job and not an SQL view: the view would
read every confirmed order line with window functions on each search -- with
500k clients, tens of millions of lines, every opening of the "overdue" list
would take seconds or minutes. The table is rebuilt for a company once
(``crm_repeat_refreshed_at`` empty) and then refreshed incrementally: only the
clients whose orders were written since the last refresh (minus a safety margin
for transactions still running then) are recomputed, a few thousand a day. The
client-level row also fills ``res.partner.crm_next_order_date`` /
``crm_order_interval_days`` (the earliest forecast when several companies sell
to the client).

Reminders: ``crm.repeat.reminder`` keeps one row per prediction (company,
client, category, predicted date) behind a unique index, inserted with ``ON
CONFLICT DO NOTHING`` before the activity is created, so a prediction gets at
most one "Offer a repeat order" activity however often and however
concurrently the job runs -- also after the activity was done or deleted.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, create_index, format_date

from .crm_segment import SYNC_CLIENTS

_logger = logging.getLogger(__name__)

# refreshes re-read the orders written during this margin before the previous refresh: a
# transaction that started before it and committed after it stamped its orders earlier
REFRESH_MARGIN = timedelta(hours=1)
# a forecast refreshed less than this long ago is not refreshed again by the next batch of the job
REFRESH_EVERY = timedelta(hours=1)
DEFAULT_BATCH_SIZE = 500
# clients recomputed per statement: one chunk of a full rebuild stays well within a cron worker's time limit
DEFAULT_CHUNK_SIZE = 50000


class CrmRepeatForecast(models.Model):
    _name = "crm.repeat.forecast"
    _description = "Repeat-Sale Forecast"
    _order = "next_order_date, id"
    _rec_name = "partner_id"
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Client", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", string="Company", required=True, readonly=True, ondelete="cascade")
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        readonly=True,
        ondelete="cascade",
        help="Empty: the client's orders of any product.",
    )
    user_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", readonly=True, help="Sales team of the client's last confirmed order."
    )
    abc_class = fields.Selection(related="partner_id.crm_abc_class", string="ABC Class")
    order_count = fields.Integer(string="Orders", readonly=True, help="Days with a confirmed order.")
    first_order_date = fields.Date(string="First Order", readonly=True)
    last_order_date = fields.Date(string="Last Order", readonly=True)
    interval_median = fields.Float(
        string="Interval (days)", readonly=True, digits=(16, 1), aggregator="avg", help="Median days between orders."
    )
    interval_iqr = fields.Float(
        string="Interval Spread (days)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Interquartile range of the intervals (75th minus 25th percentile): how regular the client is.",
    )
    next_order_date = fields.Date(string="Next Order Expected", readonly=True)
    overdue_days = fields.Integer(string="Days Overdue", compute="_compute_overdue_days")

    def init(self):
        create_index(
            self.env.cr, "crm_repeat_forecast_company_next_idx", self._table, ["company_id", "next_order_date"]
        )
        create_index(self.env.cr, "crm_repeat_forecast_partner_idx", self._table, ["partner_id", "company_id"])

    @api.depends("next_order_date")
    def _compute_overdue_days(self):
        today = fields.Date.context_today(self)
        for row in self:
            late = (today - row.next_order_date).days if row.next_order_date else 0
            row.overdue_days = max(late, 0)

    # ------------------------------------------------------------------ refresh

    @api.model
    def _crm_repeat_refresh(self, company, partner_ids=None):
        """Recompute the rows of ``company`` -- all of them, or those of the commercial partners
        ``partner_ids`` -- and the partners' next-order fields. Returns the partner ids touched."""
        self.env.flush_all()
        cr = self.env.cr
        # one heavy statement: compiling it (JIT) costs more than it saves
        cr.execute("SET LOCAL jit = off")
        only = SQL("")
        if partner_ids is not None:
            if not partner_ids:
                return []
            only = SQL("AND partner_id = ANY(%s)", list(partner_ids))
        cr.execute(
            SQL("DELETE FROM crm_repeat_forecast WHERE company_id = %s %s RETURNING partner_id", company.id, only)
        )
        touched = {row[0] for row in cr.fetchall()}
        only_orders = SQL("")
        if partner_ids is not None:
            only_orders = SQL("AND p.commercial_partner_id = ANY(%s)", list(partner_ids))
        cr.execute(
            SQL(
                """
                WITH orders AS (
                    SELECT p.commercial_partner_id AS partner_id, so.id AS order_id, so.date_order::date AS day,
                           so.date_order, so.team_id
                      FROM sale_order so
                      JOIN res_partner p ON p.id = so.partner_id
                     WHERE so.company_id = %(company)s AND so.state = 'sale' %(only_orders)s
                ),
                teams AS (
                    SELECT DISTINCT ON (partner_id) partner_id, team_id
                      FROM orders
                     ORDER BY partner_id, date_order DESC, order_id DESC
                ),
                days AS (
                    SELECT partner_id, NULL::integer AS categ_id, day
                      FROM orders
                     GROUP BY partner_id, day
                     UNION ALL
                    SELECT o.partner_id, pt.categ_id, o.day
                      FROM orders o
                      JOIN sale_order_line sol ON sol.order_id = o.order_id AND sol.display_type IS NULL
                      JOIN product_product pp ON pp.id = sol.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                     GROUP BY o.partner_id, pt.categ_id, o.day
                ),
                gaps AS (
                    SELECT partner_id, categ_id, day,
                           day - LAG(day) OVER (PARTITION BY partner_id, categ_id ORDER BY day) AS gap
                      FROM days
                ),
                stats AS (
                    SELECT partner_id, categ_id, COUNT(*) AS order_count, MIN(day) AS first_day, MAX(day) AS last_day,
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median,
                           percentile_cont(0.75) WITHIN GROUP (ORDER BY gap)
                           - percentile_cont(0.25) WITHIN GROUP (ORDER BY gap) AS iqr
                      FROM gaps
                     GROUP BY partner_id, categ_id
                    HAVING COUNT(*) >= %(min_orders)s
                )
                INSERT INTO crm_repeat_forecast (
                    partner_id, company_id, categ_id, team_id, order_count, first_order_date, last_order_date,
                    interval_median, interval_iqr, next_order_date)
                SELECT s.partner_id, %(company)s, s.categ_id, t.team_id, s.order_count, s.first_day, s.last_day,
                       s.median, s.iqr, s.last_day + round(s.median)::integer
                  FROM stats s
                  JOIN teams t ON t.partner_id = s.partner_id
                RETURNING partner_id
                """,
                company=company.id,
                only_orders=only_orders,
                min_orders=company.crm_repeat_min_orders,
            )
        )
        touched.update(row[0] for row in cr.fetchall())
        if partner_ids is not None:
            touched.update(partner_ids)
        self.invalidate_model()
        self._crm_repeat_update_partners(list(touched))
        return sorted(touched)

    @api.model
    def _crm_repeat_update_partners(self, partner_ids):
        """Copy the client-level forecast to ``res.partner`` for ``partner_ids`` (changed rows only)."""
        if not partner_ids:
            return
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                WITH best AS (
                    SELECT DISTINCT ON (partner_id) partner_id, next_order_date, interval_median
                      FROM crm_repeat_forecast
                     WHERE categ_id IS NULL AND partner_id = ANY(%(ids)s)
                     ORDER BY partner_id, next_order_date, company_id
                ),
                target AS (
                    SELECT p.id, b.next_order_date, b.interval_median
                      FROM res_partner p
                      LEFT JOIN best b ON b.partner_id = p.id
                     WHERE p.id = ANY(%(ids)s)
                )
                UPDATE res_partner p
                   SET crm_next_order_date = t.next_order_date, crm_order_interval_days = t.interval_median
                  FROM target t
                 WHERE p.id = t.id
                   AND (p.crm_next_order_date IS DISTINCT FROM t.next_order_date
                        OR p.crm_order_interval_days IS DISTINCT FROM t.interval_median)
                RETURNING p.id
                """,
                ids=partner_ids,
            )
        )
        changed = self.env["res.partner"].browse([row[0] for row in cr.fetchall()])
        if changed:
            # raw UPDATE: drop the cached values and let fields depending on them recompute
            fnames = ["crm_next_order_date", "crm_order_interval_days"]
            changed.invalidate_recordset(fnames)
            changed.modified(fnames)

    @api.model
    def _crm_repeat_chunk_size(self):
        param = self.env["ir.config_parameter"].sudo().get_param("crm_pipeline.repeat_chunk_size")
        return int(param) if param and param.isdigit() and int(param) > 0 else DEFAULT_CHUNK_SIZE

    @api.model
    def _crm_repeat_rebuild_step(self, company, chunk_size=None):
        """One step of a full rebuild of the forecast of ``company`` (started when none is in
        progress): recompute the next chunk of clients, by partner id. Returns True while
        steps remain; the last one marks the forecast refreshed as of the rebuild's start."""
        company = company.sudo()
        Job = self.env["crm.company.job"]
        if not company.crm_repeat_rebuild_started_at:
            Job._crm_job_write(company, "repeat", {"started_at": self.env.cr.now(), "after_id": 0})
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id FROM (
                    SELECT p.commercial_partner_id AS partner_id
                      FROM sale_order so
                      JOIN res_partner p ON p.id = so.partner_id
                     WHERE so.company_id = %(company)s AND so.state = 'sale'
                     UNION
                    SELECT partner_id FROM crm_repeat_forecast WHERE company_id = %(company)s
                ) clients
                 WHERE partner_id > %(after)s
                 ORDER BY partner_id
                 LIMIT %(limit)s
                """,
                company=company.id,
                after=company.crm_repeat_rebuild_after_id,
                limit=chunk_size or self._crm_repeat_chunk_size(),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if ids:
            self._crm_repeat_refresh(company, ids)
            Job._crm_job_write(company, "repeat", {"after_id": ids[-1]})
            return True
        Job._crm_job_write(
            company, "repeat", {"done_at": company.crm_repeat_rebuild_started_at, "started_at": False, "after_id": 0}
        )
        return False

    @api.model
    def _crm_repeat_refresh_incremental(self, company):
        """Recompute the clients whose orders of ``company`` were written since its last refresh;
        returns their number."""
        now = self.env.cr.now()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT p.commercial_partner_id
                  FROM sale_order so
                  JOIN res_partner p ON p.id = so.partner_id
                 WHERE so.company_id = %s AND so.write_date >= %s
                """,
                company.id,
                company.crm_repeat_refreshed_at - REFRESH_MARGIN,
            )
        )
        ids = sorted(row[0] for row in self.env.cr.fetchall())
        chunk_size = self._crm_repeat_chunk_size()
        for start in range(0, len(ids), chunk_size):
            self._crm_repeat_refresh(company, ids[start : start + chunk_size])
        self.env["crm.company.job"]._crm_job_write(company, "repeat", {"done_at": now})
        return len(ids)

    @api.model
    def _crm_repeat_refresh_company(self, company, chunk_size=None):
        """Refresh the forecast of ``company`` in this transaction: fully the first time (or after a
        change of the settings), else the clients whose orders changed. Returns the number of clients
        recomputed (full: with a forecast)."""
        if company.crm_repeat_refreshed_at and not company.crm_repeat_rebuild_started_at:
            return self._crm_repeat_refresh_incremental(company)
        while self._crm_repeat_rebuild_step(company, chunk_size=chunk_size):
            pass
        self.env.cr.execute(
            SQL("SELECT count(DISTINCT partner_id) FROM crm_repeat_forecast WHERE company_id = %s", company.id)
        )
        return self.env.cr.fetchone()[0]

    # ------------------------------------------------------------------ reminders

    @api.model
    def _crm_repeat_due_sql(self, company, today):
        """Predictions of ``company`` whose reminder is due today and not given yet, with the
        manager who gets it: the client's salesperson, else the leader of the client's team
        (active internal users allowed in the client's company); clients with neither are skipped.
        The client's team is the sales team of its last confirmed order (partners have no team)."""
        until = today + timedelta(days=company.crm_repeat_reminder_days)
        return SQL(
            """
            SELECT f.partner_id, f.categ_id, f.next_order_date, f.last_order_date, f.interval_median,
                   COALESCE(u.id, tl.id) AS user_id
              FROM crm_repeat_forecast f
              JOIN res_partner p ON p.id = f.partner_id AND p.active
              LEFT JOIN res_users u
                     ON u.id = p.user_id AND u.active AND NOT u.share
                    AND (p.company_id IS NULL OR EXISTS (
                         SELECT 1 FROM res_company_users_rel r WHERE r.user_id = u.id AND r.cid = p.company_id))
              LEFT JOIN crm_team t ON t.id = f.team_id
              LEFT JOIN res_users tl
                     ON tl.id = t.user_id AND tl.active AND NOT tl.share
                    AND (p.company_id IS NULL OR EXISTS (
                         SELECT 1 FROM res_company_users_rel r WHERE r.user_id = tl.id AND r.cid = p.company_id))
             WHERE f.company_id = %(company)s
               AND f.next_order_date BETWEEN %(today)s AND %(until)s
               AND COALESCE(u.id, tl.id) IS NOT NULL
               AND NOT EXISTS (
                   SELECT 1 FROM crm_repeat_reminder r
                    WHERE r.company_id = f.company_id AND r.partner_id = f.partner_id
                      AND COALESCE(r.categ_id, 0) = COALESCE(f.categ_id, 0)
                      AND r.predicted_date = f.next_order_date)
            """,
            company=company.id,
            today=today,
            until=until,
        )

    @api.model
    def _crm_repeat_due_count(self, company, today):
        self.env.cr.execute(
            SQL("SELECT count(DISTINCT partner_id) FROM (%s) due", self._crm_repeat_due_sql(company, today))
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _crm_repeat_remind(self, company, today=None, limit=None):
        """Give the due reminders of up to ``limit`` clients of ``company``: one activity per
        client listing its due predictions. Returns the number of activities created."""
        today = today or fields.Date.context_today(self)
        self.env.flush_all()
        cr = self.env.cr
        limit_sql = SQL("LIMIT %s", limit) if limit else SQL("")
        # claim the predictions first: the unique index makes a concurrent or repeated run insert nothing
        cr.execute(
            SQL(
                """
                WITH due AS (%(due)s),
                clients AS (SELECT DISTINCT partner_id FROM due ORDER BY partner_id %(limit)s)
                INSERT INTO crm_repeat_reminder (
                    company_id, partner_id, categ_id, predicted_date, last_order_date, interval_days, user_id,
                    create_uid, create_date, write_uid, write_date)
                SELECT %(company)s, d.partner_id, d.categ_id, d.next_order_date, d.last_order_date,
                       d.interval_median, d.user_id, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM due d
                  JOIN clients c ON c.partner_id = d.partner_id
                    ON CONFLICT DO NOTHING
                RETURNING id, partner_id
                """,
                due=self._crm_repeat_due_sql(company, today),
                limit=limit_sql,
                company=company.id,
                uid=self.env.uid,
                now=cr.now(),
            )
        )
        by_partner = defaultdict(list)
        for reminder_id, partner_id in cr.fetchall():
            by_partner[partner_id].append(reminder_id)
        if not by_partner:
            return 0
        Reminder = self.env["crm.repeat.reminder"].sudo()
        activity_type = self.env.ref("crm_pipeline.mail_activity_type_repeat_order")
        partner_model = self.env["ir.model"]._get_id("res.partner")
        lang = company.partner_id.lang or self.env.lang
        vals_list, reminder_groups = [], []
        for partner_id, reminder_ids in by_partner.items():
            reminders = Reminder.browse(reminder_ids).with_context(lang=lang)
            vals_list.append(
                {
                    "res_model_id": partner_model,
                    "res_id": partner_id,
                    "activity_type_id": activity_type.id,
                    "summary": activity_type.with_context(lang=lang).summary,
                    "note": reminders._crm_repeat_note(),
                    "date_deadline": min(reminders.mapped("predicted_date")),
                    "user_id": reminders[0].user_id.id,
                }
            )
            reminder_groups.append(reminders)
        # quick update: no "activity assigned" e-mail per reminder, the manager sees them in the systray
        activities = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)
        for activity, reminders in zip(activities, reminder_groups, strict=True):
            reminders.activity_id = activity
        return len(activities)

    # ------------------------------------------------------------------ entry points

    @api.model
    def _crm_repeat_batch_size(self):
        param = self.env["ir.config_parameter"].sudo().get_param("crm_pipeline.repeat_batch_size")
        return int(param) if param and param.isdigit() and int(param) > 0 else DEFAULT_BATCH_SIZE

    @api.model
    def _cron_crm_repeat_sales(self, batch_size=None, chunk_size=None):
        """Scheduled job, one step per call -- the cron runner calls again while the progress says
        that work remains, committing in between: a chunk of a full rebuild of a forecast, else the
        incremental refresh of the forecasts and one batch of clients' reminders."""
        batch_size = batch_size or self._crm_repeat_batch_size()
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].search([], order="id")
        now = self.env.cr.now()
        for company in companies:
            if not company.crm_repeat_refreshed_at or company.crm_repeat_rebuild_started_at:
                # a full rebuild, one chunk of clients per call
                self._crm_repeat_rebuild_step(company, chunk_size=chunk_size)
                self.env["ir.cron"]._notify_progress(done=1, remaining=1)
                return
            if company.crm_repeat_refreshed_at < now - REFRESH_EVERY:
                self._crm_repeat_refresh_incremental(company)
        for company in companies:
            created = self._crm_repeat_remind(company, today=today, limit=batch_size)
            if created:
                remaining = sum(self._crm_repeat_due_count(c, today) for c in companies)
                self.env["ir.cron"]._notify_progress(done=created, remaining=remaining)
                return
        self.env["ir.cron"]._notify_progress(done=0, remaining=0)

    @api.model
    def action_crm_repeat_refresh(self):
        """Button of the heads of sales: refresh the forecast of the current company and give
        the due reminders now."""
        if not self.env.user.has_group("crm_pipeline.group_crm_head"):
            raise AccessError(_("Only the heads of sales can refresh the repeat-sale forecast."))
        company = self.env.company
        # the forecast and the reminders are system data: written as superuser for this company only
        forecast = self.sudo()
        if (
            not company.crm_repeat_refreshed_at
            and forecast.env["crm.partner.segment"]._crm_segment_client_count(company) > SYNC_CLIENTS
        ):
            # a first, full rebuild takes minutes for a large company: the scheduled job does it now
            self.env.ref("crm_pipeline.ir_cron_crm_repeat_sales").sudo()._trigger()
            message = _(
                "The forecast of %s is being built in the background; come back in a few minutes.", company.name
            )
        else:
            forecast._crm_repeat_refresh_company(company)
            created = 0
            while done := forecast._crm_repeat_remind(company, limit=forecast._crm_repeat_batch_size()):
                created += done
            message = _("Forecast refreshed; %s reminders given.", created)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


class CrmRepeatReminder(models.Model):
    """One row per prediction that got its reminder: never two activities for it."""

    _name = "crm.repeat.reminder"
    _description = "Repeat-Sale Reminder"
    _order = "predicted_date desc, id desc"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", string="Company", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Client", required=True, readonly=True, ondelete="cascade")
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True, ondelete="cascade")
    predicted_date = fields.Date(string="Predicted Order", required=True, readonly=True)
    last_order_date = fields.Date(string="Last Order", readonly=True)
    interval_days = fields.Float(string="Interval (days)", readonly=True, digits=(16, 1))
    user_id = fields.Many2one("res.users", string="Manager", readonly=True)
    activity_id = fields.Many2one("mail.activity", string="Activity", readonly=True, ondelete="set null")

    def init(self):
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS crm_repeat_reminder_prediction_uniq
                    ON crm_repeat_reminder (company_id, partner_id, COALESCE(categ_id, 0), predicted_date)
                """
            )
        )

    def _crm_repeat_note(self):
        """HTML note of the activity of these reminders (one client)."""
        items = Markup()
        for reminder in self:
            items += Markup("<li>%s</li>") % _(
                "%(what)s: about every %(days)s days, last order %(last)s, next expected %(next)s",
                what=reminder.categ_id.display_name or _("Any products"),
                days=round(reminder.interval_days),
                last=format_date(self.env, reminder.last_order_date),
                next=format_date(self.env, reminder.predicted_date),
            )
        return Markup("<p>%s</p><ul>%s</ul>") % (_("The client usually orders again around now:"), items)
