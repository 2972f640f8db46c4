"""ABC/XYZ segmentation of the clients of a company.

How a run classifies the clients of one company (settings on ``res.company``,
shown in the CRM settings):

* **Source**: confirmed sale orders (``state = 'sale'``) of the company whose
  order date falls in the period, per commercial partner (the client; orders of
  its contacts count for it). Amounts are the untaxed line subtotals converted
  to the company currency with the order's rate. Sale orders and not posted
  invoices: they are what the sales department sells and when (the order date),
  they exist before the invoice, and the repeat-sale forecast reads them too.
* **Period**: the ``crm_segment_period_months`` complete calendar months before
  the current one (the current month is incomplete and would look like a drop).
  Months are calendar months of the order date in UTC.
* **Measure** of the ABC analysis: revenue, or margin = revenue minus the cost of
  the products sold. Without ``sale_margin`` the cost is the product's current
  cost (``standard_price`` of the company) times the quantity in the product's
  unit; with ``sale_margin`` installed, its cost stored on the order line at the
  time of the sale.
* **ABC**: clients ranked by the measure, biggest first (ties by id); a client
  is A while the clients ranked before it make less than the A share (default
  80 %) of the total, B while they make less than A + B (default 95 %), else C
  -- so the client that crosses a threshold still belongs to the higher class.
  Clients with a zero or negative measure (margin) are C.
* **XYZ**: coefficient of variation (population standard deviation / mean) of
  the client's monthly *revenue* over the months from its first confirmed order
  (or the period start, whichever is later) to the period end, months without
  orders counting as 0. X up to 10 %, Y up to 25 %, Z above (inclusive limits).
  Clients whose first order is less than ``crm_segment_min_months`` before the
  period end get no XYZ class (too new to judge): their segment is the ABC
  letter only.
* Clients without confirmed orders in the period get no class.

A run first rebuilds this model's rows of the company -- one row per client
with orders in the period, the company's own view used by the ABC x XYZ matrix
-- in one set-based SQL statement, then applies the classes to the partners in
batches (``_crm_segment_apply``): history row, the partner's class fields, the
segment pricelist and one chatter message per client whose pricelist changed.
Only partners whose class differs are touched, so a run that changes nothing
writes nothing.

A partner's class fields belong to the company that classified it: a run
writes partners of its company or shared ones (no company), unless another
company classified them first and still does (``crm_segment_company_id``).
"""

import logging
import time

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, create_unique_index

_logger = logging.getLogger(__name__)

ABC_CLASSES = [("A", "A"), ("B", "B"), ("C", "C")]
XYZ_CLASSES = [("X", "X"), ("Y", "Y"), ("Z", "Z")]

# first key of the advisory locks taken while a company is being classified
SEGMENT_LOCK_KEY = 470211
DEFAULT_BATCH_SIZE = 1000
# clients measured per step of a run: one step stays well within a cron worker's time limit
DEFAULT_CHUNK_SIZE = 50000
# above this many clients the button leaves the classification to the scheduled job (about 7 s per
# 20,000 clients measured: an HTTP request must not run for minutes)
SYNC_CLIENTS = 20000


class CrmPartnerSegment(models.Model):
    _name = "crm.partner.segment"
    _description = "Client Segment"
    _order = "company_id, value desc, partner_id"
    _rec_name = "partner_id"
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Client", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", string="Company", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", readonly=True, help="Sales team of the client's last order of the period."
    )
    abc_class = fields.Selection(ABC_CLASSES, string="ABC Class", readonly=True)
    xyz_class = fields.Selection(XYZ_CLASSES, string="XYZ Class", readonly=True)
    segment = fields.Char(readonly=True)
    revenue = fields.Monetary(readonly=True, help="Untaxed amount of the confirmed orders of the period.")
    margin = fields.Monetary(readonly=True, help="Revenue minus the cost of the products sold.")
    value = fields.Monetary(
        string="ABC Measure", readonly=True, help="The revenue or the margin, as set for the company."
    )
    share = fields.Float(
        string="Share (%)", readonly=True, digits=(16, 2), help="Share of the company's total measure."
    )
    cumulative_share = fields.Float(
        string="Cumulative Share (%)",
        readonly=True,
        digits=(16, 2),
        aggregator="max",
        help="Share of the clients ranked before this one and this one.",
    )
    cv = fields.Float(
        string="Variation (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Coefficient of variation of the monthly revenue.",
    )
    months = fields.Integer(string="Months of History", readonly=True, aggregator="avg")
    order_count = fields.Integer(string="Orders", readonly=True)
    date = fields.Date(string="Classified On", readonly=True)
    date_from = fields.Date(string="Period Start", readonly=True)
    date_to = fields.Date(string="Period End", readonly=True, help="First day after the period.")

    def init(self):
        create_unique_index(
            self.env.cr, "crm_partner_segment_company_partner_uniq", self._table, ["company_id", "partner_id"]
        )

    # ------------------------------------------------------------------ classification

    @api.model
    def _crm_segment_period(self, company, date_ref=None):
        """(first day, first day after) of the complete months the classification reads."""
        date_ref = date_ref or fields.Date.context_today(self)
        date_to = date_ref.replace(day=1)
        return date_to - relativedelta(months=company.crm_segment_period_months), date_to

    @api.model
    def _crm_segment_cost_sql(self, company):
        """Cost of one order line in the company currency, as an SQL expression over the
        aliases ``so`` (sale_order), ``sol`` (line), ``pp`` (product), ``lu``/``pu`` (line/product unit)."""
        Line = self.env["sale.order.line"]
        if "purchase_price" in Line._fields and Line._fields["purchase_price"].store:
            # sale_margin: the cost stored on the line when it was sold, in the order currency
            return SQL("sol.purchase_price * sol.product_uom_qty / COALESCE(NULLIF(so.currency_rate, 0), 1.0)")
        # the product's current cost for the company (company-dependent jsonb column), per product unit
        return SQL(
            "COALESCE((pp.standard_price ->> %s)::numeric, 0) * sol.product_uom_qty"
            " / COALESCE(NULLIF(lu.factor, 0), 1.0) * COALESCE(pu.factor, 1.0)",
            str(company.id),
        )

    @api.model
    def _crm_segment_chunk_size(self):
        param = self.env["ir.config_parameter"].sudo().get_param("crm_pipeline.segment_chunk_size")
        return int(param) if param and param.isdigit() and int(param) > 0 else DEFAULT_CHUNK_SIZE

    @api.model
    def _crm_segment_next_chunk(self, company, after_id, limit, date_from, date_to):
        """The next ``limit`` clients (commercial partner ids above ``after_id``) to measure: those with
        confirmed orders in the period and those of the company's previous classification."""
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id FROM (
                    SELECT p.commercial_partner_id AS partner_id
                      FROM sale_order so
                      JOIN res_partner p ON p.id = so.partner_id
                     WHERE so.company_id = %(company)s AND so.state = 'sale'
                       AND so.date_order >= %(date_from)s AND so.date_order < %(date_to)s
                     UNION
                    SELECT partner_id FROM crm_partner_segment WHERE company_id = %(company)s
                ) clients
                 WHERE partner_id > %(after)s
                 ORDER BY partner_id
                 LIMIT %(limit)s
                """,
                company=company.id,
                date_from=date_from,
                date_to=date_to,
                after=after_id,
                limit=limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _crm_segment_measure_chunk(self, company, partner_ids, date_from, date_to, date_run):
        """Replace the rows of the clients ``partner_ids`` of ``company``: measure (revenue, margin),
        variation and XYZ class of each from its confirmed orders, in one SQL statement. The ABC
        class needs every client of the company: ``_crm_segment_rank`` sets it afterwards."""
        cr = self.env.cr
        # one heavy statement: compiling it (JIT) costs more than it saves (measured 6 of 13 s)
        cr.execute("SET LOCAL jit = off")
        cr.execute(
            SQL(
                "DELETE FROM crm_partner_segment WHERE company_id = %s AND partner_id = ANY(%s)",
                company.id,
                partner_ids,
            )
        )
        cr.execute(
            SQL(
                """
                WITH orders AS (
                    SELECT so.id AS order_id,
                           p.commercial_partner_id AS partner_id,
                           so.team_id,
                           so.date_order,
                           date_trunc('month', so.date_order)::date AS month,
                           SUM(sol.price_subtotal) / COALESCE(NULLIF(so.currency_rate, 0), 1.0) AS revenue,
                           SUM(%(cost)s) AS cost
                      FROM sale_order so
                      JOIN res_partner p ON p.id = so.partner_id
                      JOIN sale_order_line sol ON sol.order_id = so.id AND sol.display_type IS NULL
                      LEFT JOIN product_product pp ON pp.id = sol.product_id
                      LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                      LEFT JOIN uom_uom lu ON lu.id = sol.product_uom
                      LEFT JOIN uom_uom pu ON pu.id = pt.uom_id
                     WHERE so.company_id = %(company)s
                       AND so.state = 'sale'
                       AND so.date_order >= %(date_from)s
                       AND so.date_order < %(date_to)s
                       AND p.commercial_partner_id = ANY(%(partners)s)
                     GROUP BY so.id, p.commercial_partner_id
                ),
                monthly AS (
                    SELECT partner_id, month, SUM(revenue) AS revenue, SUM(revenue - cost) AS margin,
                           COUNT(*) AS orders
                      FROM orders
                     GROUP BY partner_id, month
                ),
                teams AS (
                    SELECT DISTINCT ON (partner_id) partner_id, team_id
                      FROM orders
                     ORDER BY partner_id, date_order DESC, order_id DESC
                ),
                firsts AS (
                    SELECT p.commercial_partner_id AS partner_id, MIN(so.date_order) AS first_order
                      FROM sale_order so
                      JOIN res_partner p ON p.id = so.partner_id
                     WHERE so.company_id = %(company)s
                       AND so.state = 'sale'
                       AND so.date_order < %(date_to)s
                       AND p.commercial_partner_id = ANY(%(partners)s)
                     GROUP BY p.commercial_partner_id
                ),
                clients AS (
                    SELECT m.partner_id,
                           SUM(m.revenue) AS revenue,
                           SUM(m.margin) AS margin,
                           SUM(m.orders) AS order_count,
                           COUNT(*) AS active_months,
                           -- months the client could buy in: from its first order (or the period start)
                           (EXTRACT(YEAR FROM %(date_to)s::date) * 12 + EXTRACT(MONTH FROM %(date_to)s::date))
                           - (EXTRACT(YEAR FROM GREATEST(%(date_from)s::date, MIN(f.first_order)::date)) * 12
                              + EXTRACT(MONTH FROM GREATEST(%(date_from)s::date, MIN(f.first_order)::date)))
                               AS months
                      FROM monthly m
                      JOIN firsts f ON f.partner_id = m.partner_id
                     GROUP BY m.partner_id
                ),
                spread AS (
                    -- squared deviations from the monthly mean: months with orders, then the empty months
                    SELECT c.partner_id,
                           SUM((m.revenue - c.revenue / c.months) ^ 2)
                           + (c.months - c.active_months) * (c.revenue / c.months) ^ 2 AS deviations
                      FROM clients c
                      JOIN monthly m ON m.partner_id = c.partner_id
                     GROUP BY c.partner_id, c.revenue, c.months, c.active_months
                ),
                measured AS (
                    SELECT c.*,
                           CASE WHEN c.revenue > 0
                                THEN 100.0 * sqrt(s.deviations / c.months) / (c.revenue / c.months)
                           END AS cv
                      FROM clients c
                      JOIN spread s ON s.partner_id = c.partner_id
                )
                INSERT INTO crm_partner_segment (
                    partner_id, company_id, user_id, team_id, xyz_class, revenue, margin, value, cv, months,
                    order_count, date, date_from, date_to)
                SELECT m.partner_id, %(company)s, p.user_id, t.team_id,
                       CASE WHEN m.cv IS NULL OR m.months < %(min_months)s THEN NULL
                            WHEN m.cv <= %(xyz_x)s THEN 'X'
                            WHEN m.cv <= %(xyz_y)s THEN 'Y'
                            ELSE 'Z'
                       END,
                       m.revenue, m.margin,
                       CASE WHEN %(measure)s = 'margin' THEN m.margin ELSE m.revenue END,
                       m.cv, m.months, m.order_count, %(date_run)s, %(date_from)s, %(date_to)s
                  FROM measured m
                  JOIN res_partner p ON p.id = m.partner_id
                  LEFT JOIN teams t ON t.partner_id = m.partner_id
                """,
                cost=self._crm_segment_cost_sql(company),
                company=company.id,
                partners=partner_ids,
                date_from=date_from,
                date_to=date_to,
                date_run=date_run,
                measure=company.crm_segment_measure,
                xyz_x=company.crm_segment_xyz_x,
                xyz_y=company.crm_segment_xyz_y,
                min_months=company.crm_segment_min_months,
            )
        )
        return cr.rowcount

    @api.model
    def _crm_segment_rank(self, company):
        """ABC classes of the company's rows: biggest measure first, cumulative shares, one UPDATE."""
        self.env.cr.execute(
            SQL(
                """
                WITH ranked AS (
                    SELECT id, value,
                           SUM(GREATEST(value, 0)) OVER () AS total,
                           SUM(GREATEST(value, 0)) OVER (
                               ORDER BY value DESC, partner_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                           ) AS running
                      FROM crm_partner_segment
                     WHERE company_id = %(company)s
                ),
                classified AS (
                    SELECT r.*,
                           CASE WHEN r.value <= 0 OR r.total <= 0 THEN 'C'
                                WHEN 100.0 * (r.running - r.value) / r.total < %(abc_a)s THEN 'A'
                                WHEN 100.0 * (r.running - r.value) / r.total < %(abc_a)s + %(abc_b)s THEN 'B'
                                ELSE 'C'
                           END AS abc_class
                      FROM ranked r
                )
                UPDATE crm_partner_segment s
                   SET abc_class = c.abc_class,
                       segment = c.abc_class || COALESCE(s.xyz_class, ''),
                       share = CASE WHEN c.total > 0 THEN 100.0 * GREATEST(c.value, 0) / c.total ELSE 0 END,
                       cumulative_share = CASE WHEN c.total > 0 THEN 100.0 * c.running / c.total ELSE 0 END
                  FROM classified c
                 WHERE s.id = c.id
                """,
                company=company.id,
                abc_a=company.crm_segment_abc_a,
                abc_b=company.crm_segment_abc_b,
            )
        )
        return self.env.cr.rowcount

    @api.model
    def _crm_segment_step(self, company, date_ref=None, chunk_size=None):
        """One step of the classification of ``company``: measure the next chunk of clients or,
        when all are measured, rank them. Starts a run when none is in progress. Returns True
        while steps remain."""
        company = company.sudo()
        Job = self.env["crm.company.job"]
        if not company.crm_segment_run_date:
            Job._crm_job_write(
                company, "segments", {"run_date": date_ref or fields.Date.context_today(self), "after_id": 0}
            )
        date_run = company.crm_segment_run_date
        date_from, date_to = self._crm_segment_period(company, date_run)
        self.env.flush_all()
        start = time.monotonic()
        ids = self._crm_segment_next_chunk(
            company, company.crm_segment_run_after_id, chunk_size or self._crm_segment_chunk_size(), date_from, date_to
        )
        if ids:
            count = self._crm_segment_measure_chunk(company, ids, date_from, date_to, date_run)
            Job._crm_job_write(company, "segments", {"after_id": ids[-1]})
            _logger.info(
                "Segments of company %s: %s clients measured in %.2f s", company.id, count, time.monotonic() - start
            )
        else:
            count = self._crm_segment_rank(company)
            Job._crm_job_write(
                company, "segments", {"run_date": False, "after_id": 0, "done_at": fields.Datetime.now()}
            )
            _logger.info(
                "Segments of company %s: %s clients ranked in %.2f s", company.id, count, time.monotonic() - start
            )
        self.invalidate_model()
        return bool(ids)

    @api.model
    def _crm_segment_compute(self, company, date_ref=None, chunk_size=None):
        """Classify the clients of ``company`` (all steps) in this transaction; returns their number."""
        # a run left unfinished starts again
        self.env["crm.company.job"]._crm_job_write(company, "segments", {"run_date": False})
        while self._crm_segment_step(company, date_ref=date_ref, chunk_size=chunk_size):
            pass
        return self.sudo().search_count([("company_id", "=", company.id)])

    # ------------------------------------------------------------------ applying the classes to the partners

    @api.model
    def _crm_segment_pending_sql(self, company):
        """SQL selecting the ids of the partners whose class fields must change for ``company``."""
        return SQL(
            """
            SELECT p.id
              FROM res_partner p
              JOIN crm_partner_segment s
                ON s.partner_id = p.id AND s.company_id = %(company)s AND s.abc_class IS NOT NULL
             WHERE (p.company_id IS NULL OR p.company_id = %(company)s)
               AND (p.crm_segment_company_id IS NULL OR p.crm_segment_company_id = %(company)s)
               AND (p.crm_abc_class IS DISTINCT FROM s.abc_class
                    OR p.crm_xyz_class IS DISTINCT FROM s.xyz_class
                    OR p.crm_segment_company_id IS NULL)
             UNION ALL
            SELECT p.id
              FROM res_partner p
             WHERE p.crm_segment_company_id = %(company)s
               AND NOT EXISTS (
                   SELECT 1 FROM crm_partner_segment s WHERE s.partner_id = p.id AND s.company_id = %(company)s
               )
            """,
            company=company.id,
        )

    @api.model
    def _crm_segment_pending_ids(self, company, limit=None):
        self.env.flush_all()
        query = SQL("SELECT id FROM (%s) pending ORDER BY id", self._crm_segment_pending_sql(company))
        if limit:
            query = SQL("%s LIMIT %s", query, limit)
        self.env.cr.execute(query)
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _crm_segment_pending_count(self, company):
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) pending", self._crm_segment_pending_sql(company)))
        return self.env.cr.fetchone()[0]

    @api.model
    def _crm_segment_apply(self, company, partner_ids):
        """Give ``partner_ids`` their class of ``company``: history row, class fields, segment
        pricelist, chatter message. Called by the cron on batches of pending partners; the
        classification is a system job, so it runs as superuser on exactly these partners."""
        if not partner_ids:
            return 0
        Partner = self.env["res.partner"].sudo().with_context(active_test=False, tracking_disable=True)
        partners = Partner.browse(partner_ids)
        rows = {
            row.partner_id.id: row
            for row in self.sudo().search([("company_id", "=", company.id), ("partner_id", "in", partner_ids)])
        }
        today = fields.Date.context_today(self)
        history_vals = []
        groups = {}
        for partner in partners:
            row = rows.get(partner.id)
            new = (row.abc_class or False, row.xyz_class or False) if row else (False, False)
            old = (partner.crm_abc_class or False, partner.crm_xyz_class or False)
            groups.setdefault(new, []).append(partner.id)
            if new != old:
                history_vals.append(
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "date": today,
                        "old_abc_class": old[0],
                        "old_xyz_class": old[1],
                        "new_abc_class": new[0],
                        "new_xyz_class": new[1],
                        "revenue": row.revenue if row else 0.0,
                        "value": row.value if row else 0.0,
                        "cv": row.cv if row else 0.0,
                    }
                )
        changed_ids = {vals["partner_id"] for vals in history_vals}
        pricelist_changes = self._crm_segment_pricelist_targets(
            company, partners.filtered(lambda p: p.id in changed_ids)
        )
        for vals in history_vals:
            old_pricelist, new_pricelist = pricelist_changes.get(vals["partner_id"], (False, False))
            vals.update(
                old_pricelist_id=old_pricelist.id if old_pricelist else False,
                new_pricelist_id=new_pricelist.id if new_pricelist else False,
            )
        for (abc_class, xyz_class), ids in groups.items():
            Partner.browse(ids).write(
                {
                    "crm_abc_class": abc_class,
                    "crm_xyz_class": xyz_class,
                    "crm_segment": (abc_class or "") + (xyz_class or "") if abc_class else False,
                    "crm_segment_date": today if abc_class else False,
                    "crm_segment_company_id": company.id if abc_class else False,
                }
            )
        self.env["crm.partner.segment.history"].sudo().create(history_vals)
        self._crm_segment_write_pricelists(company, Partner, pricelist_changes)
        return len(partner_ids)

    @api.model
    def _crm_segment_mapping(self, company):
        """{(abc, xyz or False): pricelist} of ``company``."""
        mappings = self.env["crm.segment.pricelist"].sudo().search([("company_id", "=", company.id)])
        return {(m.abc_class, m.xyz_class or False): m.pricelist_id for m in mappings}

    @api.model
    def _crm_segment_pricelist_targets(self, company, partners):
        """{partner id: (current pricelist, segment pricelist)} for the ``partners`` whose
        segment pricelist differs from their pricelist in ``company``; locked partners and
        classes without a mapping are left alone."""
        mapping = self._crm_segment_mapping(company)
        if not mapping:
            return {}
        changes = {}
        candidates = partners.filtered(lambda p: not p.crm_pricelist_locked).with_company(company)
        rows = {
            row.partner_id.id: row
            for row in self.sudo().search([("company_id", "=", company.id), ("partner_id", "in", candidates.ids)])
        }
        for partner in candidates:
            row = rows.get(partner.id)
            if not row or not row.abc_class:
                continue
            target = mapping.get((row.abc_class, row.xyz_class or False)) or mapping.get((row.abc_class, False))
            if target and partner.property_product_pricelist != target:
                changes[partner.id] = (partner.property_product_pricelist, target)
        return changes

    @api.model
    def _crm_segment_write_pricelists(self, company, partners, changes):
        """Set the segment pricelists of ``changes`` (see ``_crm_segment_pricelist_targets``)
        and say so in each client's chatter: one write per pricelist, one batch of notes."""
        if not changes:
            return
        by_target = {}
        for partner_id, (_old, new) in changes.items():
            by_target.setdefault(new, []).append(partner_id)
        for pricelist, ids in by_target.items():
            partners.browse(ids).with_company(company).write({"property_product_pricelist": pricelist.id})
        lang = company.partner_id.lang or self.env.lang
        bodies = self.with_context(lang=lang)._crm_segment_pricelist_messages(partners.browse(list(changes)), changes)
        partners.browse(list(changes))._message_log_batch(bodies=bodies)

    def _crm_segment_pricelist_messages(self, partners, changes):
        bodies = {}
        for partner in partners:
            old, new = changes[partner.id]
            text = _(
                "Segment %(segment)s: pricelist changed from %(old)s to %(new)s.",
                segment=partner.crm_segment or "-",
                old=old.display_name or _("none"),
                new=new.display_name,
            )
            bodies[partner.id] = Markup("<p>%s</p>") % text
        return bodies

    # ------------------------------------------------------------------ entry points

    @api.model
    def _crm_segment_lock(self, company):
        """Advisory lock of the company's classification for this transaction; False when taken."""
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", SEGMENT_LOCK_KEY, company.id))
        return self.env.cr.fetchone()[0]

    @api.model
    def _crm_segment_run(self, company, date_ref=None, batch_size=None):
        """Classify the clients of ``company`` and apply all the changes in this transaction
        (tests, the demo, small databases). Returns the number of partners changed."""
        if not self._crm_segment_lock(company):
            raise UserError(_("The clients of %s are being classified already; try again later.", company.name))
        self._crm_segment_compute(company, date_ref=date_ref)
        batch_size = batch_size or self._crm_segment_batch_size()
        done = 0
        while ids := self._crm_segment_pending_ids(company, limit=batch_size):
            done += self._crm_segment_apply(company, ids)
        return done

    @api.model
    def _crm_segment_batch_size(self):
        param = self.env["ir.config_parameter"].sudo().get_param("crm_pipeline.segment_batch_size")
        return int(param) if param and param.isdigit() and int(param) > 0 else DEFAULT_BATCH_SIZE

    @api.model
    def _cron_crm_segments(self, batch_size=None, chunk_size=None):
        """Daily job, one step per call -- the cron runner calls again while the progress says
        that work remains, committing in between: measure a chunk of clients or rank them (a run
        starts once a day per company), else apply one batch of changed partners."""
        batch_size = batch_size or self._crm_segment_batch_size()
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].search([], order="id")
        locked = companies.filtered(self._crm_segment_lock)
        for company in locked:
            last_run = company.crm_segment_last_run
            due = not last_run or fields.Date.context_today(self, last_run) < today
            if company.crm_segment_run_date or due:
                self._crm_segment_step(company, chunk_size=chunk_size)
                self.env["ir.cron"]._notify_progress(done=1, remaining=1)
                return
        for company in locked:
            ids = self._crm_segment_pending_ids(company, limit=batch_size)
            if ids:
                self._crm_segment_apply(company, ids)
                remaining = sum(self._crm_segment_pending_count(c) for c in locked)
                self.env["ir.cron"]._notify_progress(done=len(ids), remaining=remaining)
                return
        self.env["ir.cron"]._notify_progress(done=0, remaining=0)

    @api.model
    def _crm_segment_client_count(self, company):
        """Clients of the company's last classification, else clients with confirmed orders."""
        count = self.sudo().search_count([("company_id", "=", company.id)])
        if not count:
            self.env.cr.execute(
                SQL(
                    "SELECT count(DISTINCT partner_id) FROM sale_order WHERE company_id = %s AND state = 'sale'",
                    company.id,
                )
            )
            count = self.env.cr.fetchone()[0]
        return count

    @api.model
    def action_crm_segment_recompute(self):
        """Button of the heads of sales: classify the clients of the current company now; the
        partners follow at once when few changed, else in the scheduled job's batches. Companies
        with many clients are classified by the scheduled job, started at once."""
        if not self.env.user.has_group("crm_pipeline.group_crm_head"):
            raise AccessError(_("Only the heads of sales can recompute the segments."))
        company = self.env.company
        # the user may not write every client: the classification itself is a system job
        segments = self.sudo()
        cron = self.env.ref("crm_pipeline.ir_cron_crm_segments").sudo()
        if segments._crm_segment_client_count(company) > SYNC_CLIENTS:
            self.env["crm.company.job"]._crm_job_write(company, "segments", {"done_at": False})
            cron._trigger()
            message = _(
                "The clients of %s are being classified in the background; the matrix is updated in a few minutes.",
                company.name,
            )
        else:
            if not segments._crm_segment_lock(company):
                raise UserError(_("The clients of %s are being classified already; try again later.", company.name))
            count = segments._crm_segment_compute(company)
            pending = segments._crm_segment_pending_count(company)
            if pending <= segments._crm_segment_batch_size():
                segments._crm_segment_apply(company, segments._crm_segment_pending_ids(company))
                message = _(
                    "%(count)s clients classified, %(changed)s changed their class.", count=count, changed=pending
                )
            else:
                cron._trigger()
                message = _(
                    "%(count)s clients classified; %(changed)s clients change their class in the background.",
                    count=count,
                    changed=pending,
                )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
