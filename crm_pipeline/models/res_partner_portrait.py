"""The client portrait: one page of the client's card telling a salesperson
who the client is, what it buys and could buy, how it answers, how much it
brings and how it pays.

``res.partner._crm_portrait_data()`` computes it for one client (a commercial
partner and all the contacts below it) in a fixed handful of SQL aggregates
over the ERP's own tables, whatever the size of the client's history: every
query starts from the client's partner ids (or its commercial partner id)
through an index. The OWL widget ``crm_pipeline_partner_portrait`` renders it.

Definitions (amounts untaxed, in the current company's currency, only the
current company's documents):

* revenue: confirmed sale orders (``state = 'sale'``), their lines' untaxed
  subtotals converted with the order's rate, like Odoo's sales analysis;
  "12 months" are orders dated within the last twelve months;
* margin: revenue minus the cost of the products sold (ordered quantity in
  the product's unit times the product's current cost of the company);
* payment discipline: overdue = the unpaid part of the instalments of posted
  customer invoices whose due date has passed; days late of a paid invoice =
  the date of its last reconciliation (``account_partial_reconcile.max_date``,
  i.e. the later of the invoice's and the payment's accounting dates) minus
  its due date (``invoice_date_due``), 0 when paid in time; averaged over the
  invoices fully paid in the last twelve months;
* offers: product categories bought in the last twelve months by clients of
  the same ABC class or industry (``crm.portrait.offer.stat``, rebuilt daily)
  and never bought by this client, ranked by the share of those clients who
  buy them, then by their revenue.
"""

import math
from datetime import datetime, time

import pytz
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

OFFER_LIMIT = 5
CATEGORY_LIMIT = 5
SEGMENT_HISTORY_LIMIT = 10


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_complaint_count = fields.Integer(
        string="Complaints", compute="_compute_crm_complaint_count", groups="sales_team.group_sale_salesman"
    )

    def _compute_crm_complaint_count(self):
        counts = {}
        clients = self.commercial_partner_id
        if clients.ids and self.env["crm.complaint"].has_access("read"):
            counts = dict(
                self.env["crm.complaint"]._read_group(
                    [("commercial_partner_id", "in", clients.ids)], ["commercial_partner_id"], ["__count"]
                )
            )
        for partner in self:
            partner.crm_complaint_count = counts.get(partner.commercial_partner_id, 0)

    # ------------------------------------------------------------------ actions

    def action_crm_complaint_new(self):
        """Record a complaint of this client in a dialog (from its card)."""
        self.ensure_one()
        return self.env["crm.complaint"]._crm_complaint_quick_create_action({"default_partner_id": self.id})

    def action_crm_complaint_view(self):
        self.ensure_one()
        client = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_pipeline.crm_complaint_action")
        action["domain"] = [("commercial_partner_id", "=", client.id)]
        action["context"] = {"default_partner_id": self.id}
        action["display_name"] = _("Complaints of %(client)s", client=client.display_name)
        return action

    # ------------------------------------------------------------------ portrait

    def get_crm_portrait_data(self):
        """The portrait of the client of ``self`` for its card (called by the widget).

        Whoever may read the client sees its numbers: they are aggregates,
        computed in SQL, not the documents themselves."""
        self.ensure_one()
        self.check_access("read")
        return self._crm_portrait_data()

    def _crm_portrait_data(self):
        """The portrait of the client (commercial partner) of ``self``, as a dict (see the module doc)."""
        self.ensure_one()
        # the portrait reads the tables in SQL: pending ORM writes first (nothing to do on a card's load)
        self.env.flush_all()
        company = self.env.company
        client_id = self.commercial_partner_id.id if self.commercial_partner_id else self.id
        try:
            tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        today = fields.Date.context_today(self)
        since_date = today - relativedelta(months=12)
        # the first moment of that day in the user's time zone, as a naive UTC datetime like date_order
        since = tz.localize(datetime.combine(since_date, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        ctx = {
            "client_id": client_id,
            "company": company,
            "today": today,
            "since": since,
            "since_date": since_date,
            "tz": tz,
            "lang": self.env.lang or "en_US",
        }
        identity = self._crm_portrait_identity(ctx)
        ctx["partner_ids"] = identity.pop("partner_ids")
        sales, categories = self._crm_portrait_sales(ctx)
        data = {
            "client_id": client_id,
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "today": fields.Date.to_string(today),
            "since": fields.Date.to_string(since_date),
            "identity": identity,
            "sales": sales,
            "categories": [c for c in categories if c["revenue_12m"]][:CATEGORY_LIMIT],
            "offers": self._crm_portrait_offers(ctx, identity, {c["categ_id"] for c in categories}),
            "payment": self._crm_portrait_payment(ctx),
        }
        data["activity"], data["channels"] = self._crm_portrait_activity(ctx, identity)
        identity["size_band"] = self._crm_portrait_size_band(sales["revenue_12m"])
        data["segment"] = self._crm_portrait_segment(ctx, identity)
        return data

    # helpers ------------------------------------------------------------------

    @api.model
    def _crm_portrait_name_sql(self, model, alias, field="name", lang="en_US"):
        """SQL of the name of a record of ``model`` aliased ``alias`` in ``lang`` (translated or not)."""
        if self.env[model]._fields[field].translate:
            return SQL(
                "COALESCE(%s->>%s, %s->>'en_US')",
                SQL.identifier(alias, field),
                lang,
                SQL.identifier(alias, field),
            )
        return SQL.identifier(alias, field)

    def _crm_portrait_date(self, value, tz):
        """A date, or a UTC datetime as the date in ``tz``, in ISO format (False when empty)."""
        if isinstance(value, datetime):
            value = pytz.utc.localize(value).astimezone(tz).date()
        return fields.Date.to_string(value) if value else False

    @api.model
    def _crm_portrait_size_band(self, revenue):
        """The order of magnitude of the yearly revenue: ``[low, high]`` (e.g. [100000, 1000000]) or False."""
        if not revenue or revenue <= 0:
            return False
        low = 10 ** math.floor(math.log10(revenue))
        return [low, low * 10]

    # sections -----------------------------------------------------------------

    def _crm_portrait_identity(self, ctx):
        """Who the client is: 2 queries (the client with its names, then its partner ids and channels)."""
        cr = self.env.cr
        lang = ctx["lang"]
        cr.execute(
            SQL(
                """
                SELECT p.name, p.is_company, p.industry_id, %(industry)s, p.country_id, %(country)s,
                       p.state_id, %(state)s, p.city, p.user_id, user_partner.name, team.id, %(team)s,
                       p.crm_abc_class, p.crm_xyz_class, p.crm_segment, p.crm_segment_date, p.crm_next_order_date,
                       p.crm_order_interval_days,
                       ARRAY(SELECT %(tag)s
                               FROM res_partner_res_partner_category_rel rel
                               JOIN res_partner_category tag ON tag.id = rel.category_id
                              WHERE rel.partner_id = p.id
                              ORDER BY 1)
                  FROM res_partner p
             LEFT JOIN res_partner_industry industry ON industry.id = p.industry_id
             LEFT JOIN res_country country ON country.id = p.country_id
             LEFT JOIN res_country_state state ON state.id = p.state_id
             LEFT JOIN res_users u ON u.id = p.user_id
             LEFT JOIN res_partner user_partner ON user_partner.id = u.partner_id
             -- the salesperson's sales team in the current company (res.partner has no team of its own)
             LEFT JOIN LATERAL (
                        SELECT t.id, t.name
                          FROM crm_team_member member
                          JOIN crm_team t ON t.id = member.crm_team_id
                         WHERE member.user_id = p.user_id AND member.active AND t.active
                           AND (t.company_id = %(company_id)s OR t.company_id IS NULL)
                         ORDER BY t.sequence, t.id
                         LIMIT 1
                       ) team ON TRUE
                 WHERE p.id = %(client_id)s
                """,
                industry=self._crm_portrait_name_sql("res.partner.industry", "industry", lang=lang),
                country=self._crm_portrait_name_sql("res.country", "country", lang=lang),
                state=self._crm_portrait_name_sql("res.country.state", "state", lang=lang),
                team=self._crm_portrait_name_sql("crm.team", "team", lang=lang),
                tag=self._crm_portrait_name_sql("res.partner.category", "tag", lang=lang),
                client_id=ctx["client_id"],
                company_id=ctx["company"].id,
            )
        )
        (
            name,
            is_company,
            industry_id,
            industry,
            country_id,
            country,
            state_id,
            state,
            city,
            user_id,
            user_name,
            team_id,
            team,
            abc_class,
            xyz_class,
            segment,
            segment_date,
            next_order_date,
            order_interval_days,
            tags,
        ) = cr.fetchone()
        # every partner of the client, archived contacts included: their orders and invoices are the client's
        cr.execute(
            SQL(
                """
                SELECT ARRAY_AGG(id ORDER BY id),
                       COUNT(*) FILTER (WHERE id != %(client_id)s AND active AND type = 'contact'),
                       ARRAY_REMOVE(ARRAY_AGG(DISTINCT NULLIF(TRIM(phone), '')), NULL),
                       ARRAY_REMOVE(ARRAY_AGG(DISTINCT NULLIF(TRIM(mobile), '')), NULL),
                       ARRAY_REMOVE(ARRAY_AGG(DISTINCT email_normalized), NULL)
                  FROM res_partner
                 WHERE commercial_partner_id = %(client_id)s
                """,
                client_id=ctx["client_id"],
            )
        )
        partner_ids, contact_count, phones, mobiles, emails = cr.fetchone()
        return {
            "partner_ids": partner_ids or [ctx["client_id"]],
            "name": name,
            "is_company": is_company,
            "industry": [industry_id, industry] if industry_id else False,
            "country": [country_id, country] if country_id else False,
            "state": [state_id, state] if state_id else False,
            "city": city or False,
            "tags": tags,
            "user": [user_id, user_name] if user_id else False,
            "team": [team_id, team] if team_id else False,
            "contact_count": contact_count,
            "phone_count": len(set(phones) | set(mobiles)),
            "email_count": len(emails),
            "segment": {
                "abc": abc_class or False,
                "xyz": xyz_class or False,
                "segment": segment or False,
                "date": fields.Date.to_string(segment_date) if segment_date else False,
                "next_order_date": fields.Date.to_string(next_order_date) if next_order_date else False,
                "order_interval_days": round(order_interval_days) if order_interval_days else False,
            },
        }

    def _crm_portrait_sales(self, ctx):
        """Revenue, margin, orders and the categories bought: 1 query.

        One pass over the client's confirmed order lines grouped twice
        (GROUPING SETS): in total and per product category."""
        cr = self.env.cr
        company = ctx["company"]
        cr.execute(
            SQL(
                """
                WITH lines AS (
                    SELECT so.id AS order_id, so.date_order, pt.categ_id,
                           sol.price_subtotal
                               / CASE COALESCE(so.currency_rate, 0) WHEN 0 THEN 1.0 ELSE so.currency_rate END
                               AS revenue,
                           %(cost)s AS cost
                      FROM sale_order so
                      JOIN sale_order_line sol ON sol.order_id = so.id
                 LEFT JOIN product_product pp ON pp.id = sol.product_id
                 LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 LEFT JOIN uom_uom lu ON lu.id = sol.product_uom
                 LEFT JOIN uom_uom pu ON pu.id = pt.uom_id
                     WHERE so.partner_id = ANY(%(partner_ids)s)
                       AND so.company_id = %(company_id)s
                       AND so.state = 'sale'
                       AND sol.display_type IS NULL
                       AND NOT COALESCE(sol.is_downpayment, FALSE)
                )
                SELECT GROUPING(lines.categ_id) = 1 AS total, lines.categ_id, categ.complete_name,
                       COALESCE(SUM(revenue), 0), COALESCE(SUM(revenue) FILTER (WHERE date_order >= %(since)s), 0),
                       COALESCE(SUM(cost), 0), COALESCE(SUM(cost) FILTER (WHERE date_order >= %(since)s), 0),
                       COUNT(DISTINCT order_id), COUNT(DISTINCT order_id) FILTER (WHERE date_order >= %(since)s),
                       MIN(date_order), MAX(date_order)
                  FROM lines
             LEFT JOIN product_category categ ON categ.id = lines.categ_id
              GROUP BY GROUPING SETS ((), (lines.categ_id, categ.complete_name))
                """,
                cost=self.env["crm.partner.segment"]._crm_segment_cost_sql(company),
                partner_ids=ctx["partner_ids"],
                company_id=company.id,
                since=ctx["since"],
            )
        )
        rows = cr.fetchall()
        round_amount = company.currency_id.round
        sales = {
            "revenue": 0.0,
            "revenue_12m": 0.0,
            "margin": 0.0,
            "margin_12m": 0.0,
            "margin_rate": False,
            "margin_rate_12m": False,
            "order_count": 0,
            "order_count_12m": 0,
            "average_order": 0.0,
            "average_order_12m": 0.0,
            "first_order_date": False,
            "last_order_date": False,
        }
        categories = []
        for row in rows:
            total, categ_id, categ_name, revenue, revenue_12m, cost, cost_12m, orders, orders_12m, first, last = row
            revenue, revenue_12m = float(revenue), float(revenue_12m)
            cost, cost_12m = float(cost), float(cost_12m)
            if total:
                sales.update(
                    revenue=round_amount(revenue),
                    revenue_12m=round_amount(revenue_12m),
                    margin=round_amount(revenue - cost),
                    margin_12m=round_amount(revenue_12m - cost_12m),
                    margin_rate=round(100.0 * (revenue - cost) / revenue, 1) if revenue else False,
                    margin_rate_12m=round(100.0 * (revenue_12m - cost_12m) / revenue_12m, 1) if revenue_12m else False,
                    order_count=orders,
                    order_count_12m=orders_12m,
                    average_order=round_amount(revenue / orders) if orders else 0.0,
                    average_order_12m=round_amount(revenue_12m / orders_12m) if orders_12m else 0.0,
                    first_order_date=self._crm_portrait_date(first, ctx["tz"]),
                    last_order_date=self._crm_portrait_date(last, ctx["tz"]),
                )
            elif categ_id:
                categories.append(
                    {
                        "categ_id": categ_id,
                        "name": categ_name,
                        "revenue": round_amount(revenue),
                        "revenue_12m": round_amount(revenue_12m),
                        "order_count_12m": orders_12m,
                    }
                )
        total_12m = sales["revenue_12m"]
        for category in categories:
            category["share_12m"] = round(100.0 * category["revenue_12m"] / total_12m, 1) if total_12m else 0.0
        categories.sort(key=lambda c: (-c["revenue_12m"], -c["revenue"], c["name"] or ""))
        return sales, categories

    def _crm_portrait_offers(self, ctx, identity, bought_categ_ids):
        """Categories that similar clients buy and this client never bought: 1 query on the statistics."""
        groups = []
        if identity["industry"]:
            groups.append(("industry", str(identity["industry"][0])))
        abc_class = identity["segment"]["abc"]
        if abc_class:
            groups.append(("abc", abc_class))
        if not groups:
            return {"computed_on": False, "items": []}
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT stat.dimension, stat.categ_id, categ.complete_name, stat.client_count,
                       stat.group_client_count, stat.revenue, stat.date_computed
                  FROM crm_portrait_offer_stat stat
                  JOIN product_category categ ON categ.id = stat.categ_id
                 WHERE stat.company_id = %(company_id)s
                   AND (stat.dimension, stat.group_key) IN %(groups)s
                """,
                company_id=ctx["company"].id,
                groups=tuple(groups),
            )
        )
        best = {}
        computed_on = False
        for dimension, categ_id, name, clients, group_clients, revenue, date_computed in cr.fetchall():
            computed_on = max(computed_on or date_computed, date_computed)
            if categ_id in bought_categ_ids or not group_clients:
                continue
            item = {
                "categ_id": categ_id,
                "name": name,
                "dimension": dimension,
                "group": identity["industry"][1] if dimension == "industry" else abc_class,
                "client_count": clients,
                "group_client_count": group_clients,
                "share": round(100.0 * clients / group_clients, 1),
                "revenue": ctx["company"].currency_id.round(revenue or 0.0),
            }
            current = best.get(categ_id)
            key = (item["share"], item["client_count"], item["revenue"])
            if not current or key > (current["share"], current["client_count"], current["revenue"]):
                best[categ_id] = item
        items = sorted(best.values(), key=lambda i: (-i["share"], -i["client_count"], -i["revenue"], i["name"]))
        return {
            "computed_on": self._crm_portrait_date(computed_on, ctx["tz"]) if computed_on else False,
            "items": items[:OFFER_LIMIT],
        }

    def _crm_portrait_payment(self, ctx):
        """Overdue debt and lateness of payments: 1 query over the client's receivable instalments.

        Instalments are the ``payment_term`` lines of posted customer
        invoices and credit notes; their partner is the commercial partner
        (account_move_line.partner_id, indexed)."""
        cr = self.env.cr
        company = ctx["company"]
        cr.execute(
            SQL(
                """
                WITH terms AS (
                    SELECT aml.id, aml.move_id, aml.amount_residual, aml.date_maturity, aml.reconciled,
                           m.move_type, m.invoice_date_due, m.payment_state
                      FROM account_move_line aml
                      JOIN account_move m ON m.id = aml.move_id
                     WHERE aml.partner_id = %(client_id)s
                       AND aml.company_id = %(company_id)s
                       AND aml.parent_state = 'posted'
                       AND aml.display_type = 'payment_term'
                       AND m.move_type IN ('out_invoice', 'out_refund')
                ), overdue AS (
                    SELECT COALESCE(SUM(amount_residual), 0) AS amount, COUNT(DISTINCT move_id) AS invoices,
                           MIN(date_maturity) AS oldest
                      FROM terms
                     WHERE move_type = 'out_invoice' AND NOT reconciled AND amount_residual > 0
                       AND date_maturity < %(today)s
                ), open_terms AS (
                    SELECT COALESCE(SUM(amount_residual), 0) AS amount
                      FROM terms
                     WHERE NOT reconciled
                ), paid AS (
                    SELECT t.move_id, MIN(t.invoice_date_due) AS due, MAX(apr.max_date) AS paid_on
                      FROM terms t
                      JOIN account_partial_reconcile apr ON apr.debit_move_id = t.id
                     WHERE t.move_type = 'out_invoice' AND t.payment_state IN ('paid', 'in_payment')
                     GROUP BY t.move_id
                ), lateness AS (
                    SELECT COUNT(*) AS invoices, COUNT(*) FILTER (WHERE paid_on > due) AS late,
                           AVG(GREATEST(paid_on - due, 0)) AS avg_days, MAX(GREATEST(paid_on - due, 0)) AS max_days
                      FROM paid
                     WHERE paid_on >= %(since_date)s
                )
                SELECT overdue.amount, overdue.invoices, overdue.oldest, open_terms.amount,
                       lateness.invoices, lateness.late, lateness.avg_days, lateness.max_days
                  FROM overdue, open_terms, lateness
                """,
                client_id=ctx["client_id"],
                company_id=company.id,
                today=ctx["today"],
                since_date=ctx["since_date"],
            )
        )
        overdue, overdue_count, oldest, open_amount, paid_count, late_count, avg_days, max_days = cr.fetchone()
        round_amount = company.currency_id.round
        return {
            "overdue_amount": round_amount(float(overdue)),
            "overdue_invoice_count": overdue_count,
            "overdue_days": (ctx["today"] - oldest).days if oldest else 0,
            "open_amount": round_amount(float(open_amount)),
            "paid_invoice_count": paid_count,
            "paid_late_count": late_count,
            "average_days_late": round(float(avg_days), 1) if avg_days is not None else False,
            "max_days_late": max_days if max_days is not None else False,
        }

    def _crm_portrait_activity(self, ctx, identity):
        """Open deals, complaints and the channels the client answers on: 2 queries.

        Returns ``(activity, channels)``; channels is a list of dicts
        ``{key, label, count, last_date, detail}`` with the channels that have
        something, to which addons add theirs (``_crm_portrait_channels``)."""
        cr = self.env.cr
        company = ctx["company"]
        cr.execute(
            SQL(
                """
                SELECT GROUPING(l.source_id) = 1 AS total, l.source_id, source.name,
                       COUNT(*), COUNT(*) FILTER (WHERE l.active AND stage.is_won),
                       COUNT(*) FILTER (WHERE l.active AND l.type = 'opportunity' AND NOT COALESCE(stage.is_won, FALSE)),
                       COALESCE(SUM(l.expected_revenue) FILTER (
                           WHERE l.active AND l.type = 'opportunity' AND NOT COALESCE(stage.is_won, FALSE)), 0),
                       MAX(l.create_date)
                  FROM crm_lead l
             LEFT JOIN crm_stage stage ON stage.id = l.stage_id
             LEFT JOIN utm_source source ON source.id = l.source_id
                 WHERE l.partner_id = ANY(%(partner_ids)s)
                   AND (l.company_id = %(company_id)s OR l.company_id IS NULL)
              GROUP BY GROUPING SETS ((), (l.source_id, source.name))
                """,
                partner_ids=ctx["partner_ids"],
                company_id=company.id,
            )
        )
        activity = {"lead_count": 0, "won_count": 0, "open_deal_count": 0, "open_deal_amount": 0.0}
        sources = []
        for total, source_id, source_name, leads, won, open_deals, open_amount, last in cr.fetchall():
            if total:
                activity.update(
                    lead_count=leads,
                    won_count=won,
                    open_deal_count=open_deals,
                    open_deal_amount=company.currency_id.round(float(open_amount)),
                )
            elif source_id:
                sources.append(
                    {
                        "source_id": source_id,
                        "name": source_name,
                        "lead_count": leads,
                        "won_count": won,
                        "last_date": self._crm_portrait_date(last, ctx["tz"]),
                    }
                )
        sources.sort(key=lambda s: (-s["lead_count"], s["name"]))
        cr.execute(
            SQL(
                """
                SELECT (SELECT COUNT(*) FROM crm_complaint
                         WHERE commercial_partner_id = %(client_id)s AND company_id = %(company_id)s),
                       (SELECT COUNT(*) FROM crm_complaint
                         WHERE commercial_partner_id = %(client_id)s AND company_id = %(company_id)s
                           AND state IN ('new', 'in_progress')),
                       (SELECT COUNT(*) FROM crm_complaint
                         WHERE commercial_partner_id = %(client_id)s AND company_id = %(company_id)s
                           AND state IN ('new', 'in_progress') AND date_deadline < %(today)s),
                       mail.count, mail.last
                  FROM (SELECT COUNT(*) AS count, MAX(date) AS last
                          FROM mail_message
                         WHERE author_id = ANY(%(partner_ids)s)
                           AND message_type = 'email'
                           AND date >= %(since)s) AS mail
                """,
                client_id=ctx["client_id"],
                company_id=company.id,
                partner_ids=ctx["partner_ids"],
                today=ctx["today"],
                since=ctx["since"],
            )
        )
        complaints, open_complaints, overdue_complaints, emails, last_email = cr.fetchone()
        activity.update(
            complaint_count=complaints,
            open_complaint_count=open_complaints,
            overdue_complaint_count=overdue_complaints,
        )
        channels = []
        for source in sources:
            channels.append(
                {
                    "key": f"source_{source['source_id']}",
                    "kind": "source",
                    "label": source["name"],
                    "count": source["lead_count"],
                    "last_date": source["last_date"],
                    "detail": _("%(count)s leads, %(won)s won", count=source["lead_count"], won=source["won_count"]),
                }
            )
        if emails:
            channels.append(
                {
                    "key": "email_in",
                    "kind": "email",
                    "label": _("E-mails received"),
                    "count": emails,
                    "last_date": self._crm_portrait_date(last_email, ctx["tz"]),
                    "detail": _("in the last 12 months"),
                }
            )
        if identity["phone_count"]:
            channels.append(
                {
                    "key": "phone",
                    "kind": "phone",
                    "label": _("Phone numbers"),
                    "count": identity["phone_count"],
                    "last_date": False,
                    "detail": _("on the card and its contacts"),
                }
            )
        if identity["email_count"]:
            channels.append(
                {
                    "key": "email_address",
                    "kind": "email",
                    "label": _("E-mail addresses"),
                    "count": identity["email_count"],
                    "last_date": False,
                    "detail": _("on the card and its contacts"),
                }
            )
        channels.extend(self._crm_portrait_channels(ctx))
        return activity, channels

    def _crm_portrait_channels(self, ctx):
        """Extra channels of the client (same dict shape as above); addons add
        theirs here, e.g. telephony its calls. ``ctx`` has ``client_id``,
        ``partner_ids``, ``company``, ``today``, ``since`` (naive UTC) and ``tz``."""
        return []

    def _crm_portrait_segment(self, ctx, identity):
        """ABC/XYZ class (read with the identity) and its last changes: 1 query."""
        segment = identity.pop("segment")
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT date, old_segment, new_segment
                  FROM crm_partner_segment_history
                 WHERE partner_id = %(client_id)s AND company_id = %(company_id)s
                 ORDER BY date DESC, id DESC
                 LIMIT %(limit)s
                """,
                client_id=ctx["client_id"],
                company_id=ctx["company"].id,
                limit=SEGMENT_HISTORY_LIMIT,
            )
        )
        segment["history"] = [
            {"date": fields.Date.to_string(date), "old_segment": old or False, "segment": new or False}
            for date, old, new in cr.fetchall()
        ]
        return segment
