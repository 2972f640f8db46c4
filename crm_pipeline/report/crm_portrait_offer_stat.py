"""What similar clients buy: the source of the client portrait's offers.

Suggesting to a client the product categories that clients like it buy means
aggregating the last twelve months of sale lines of every similar client; with
hundreds of thousands of clients that is far too heavy for opening a card. A
scheduled job therefore rebuilds this small table (one row per company,
group of similar clients and product category) in a single INSERT ... SELECT,
and the portrait reads the few rows of the client's groups through an index.

Groups of similar clients (``dimension``, ``group_key``):

* ``abc``: clients of the same ABC class (``res.partner.crm_abc_class``);
* ``industry``: clients of the same industry (``res.partner.industry_id``).

A client is a commercial partner; its orders are those of itself and its
contacts. Only confirmed sale orders (``state = 'sale'``) dated within the
last twelve months count; amounts are untaxed, in the company's currency.
"""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL, create_index

DIMENSIONS = [
    ("abc", "ABC Class"),
    ("industry", "Industry"),
]


class CrmPortraitOfferStat(models.Model):
    _name = "crm.portrait.offer.stat"
    _description = "Purchases of Similar Clients"
    _order = "company_id, dimension, group_key, client_count desc"
    _log_access = False

    company_id = fields.Many2one("res.company", string="Company", required=True, readonly=True, ondelete="cascade")
    dimension = fields.Selection(DIMENSIONS, string="Similar by", required=True, readonly=True)
    group_key = fields.Char(
        string="Group", required=True, readonly=True, help="The ABC class, or the id of the industry."
    )
    categ_id = fields.Many2one(
        "product.category", string="Product Category", required=True, readonly=True, ondelete="cascade"
    )
    client_count = fields.Integer(
        string="Buying Clients", readonly=True, help="Clients of the group who bought the category."
    )
    group_client_count = fields.Integer(
        string="Clients of the Group", readonly=True, help="Clients of the group who bought anything."
    )
    revenue = fields.Float(readonly=True, help="Untaxed, in the company's currency.")
    date_computed = fields.Datetime(string="Computed on", readonly=True)

    def init(self):
        create_index(
            self.env.cr,
            "crm_portrait_offer_stat_group_idx",
            self._table,
            ["company_id", "dimension", "group_key"],
        )

    @api.model
    def _crm_months(self):
        """How many months back the statistics look."""
        return 12

    @api.model
    def _cron_refresh(self):
        self._crm_refresh()

    @api.model
    def _crm_refresh(self):
        """Rebuild the whole table from the sale orders (one DELETE and one INSERT ... SELECT)."""
        now = fields.Datetime.now()
        since = now - relativedelta(months=self._crm_months())
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM %s", SQL.identifier(self._table)))
        cr.execute(
            SQL(
                """
                INSERT INTO crm_portrait_offer_stat (
                    company_id, dimension, group_key, categ_id, client_count, group_client_count, revenue,
                    date_computed)
                WITH buys AS (
                    SELECT so.company_id, client.id AS client_id, client.industry_id, client.crm_abc_class AS abc_class,
                           pt.categ_id,
                           SUM(sol.price_subtotal
                               / CASE COALESCE(so.currency_rate, 0) WHEN 0 THEN 1.0 ELSE so.currency_rate END)
                               AS revenue
                      FROM sale_order so
                      JOIN sale_order_line sol ON sol.order_id = so.id
                      JOIN res_partner contact ON contact.id = so.partner_id
                      JOIN res_partner client ON client.id = contact.commercial_partner_id
                      JOIN product_product pp ON pp.id = sol.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                     WHERE so.state = 'sale'
                       AND so.date_order >= %(since)s
                       AND sol.display_type IS NULL
                       AND NOT COALESCE(sol.is_downpayment, FALSE)
                     GROUP BY so.company_id, client.id, pt.categ_id
                ), keyed AS (
                    SELECT company_id, 'industry' AS dimension, industry_id::varchar AS group_key, client_id,
                           categ_id, revenue
                      FROM buys
                     WHERE industry_id IS NOT NULL
                     UNION ALL
                    SELECT company_id, 'abc', abc_class, client_id, categ_id, revenue
                      FROM buys
                     WHERE abc_class IS NOT NULL
                ), groups AS (
                    SELECT company_id, dimension, group_key, COUNT(DISTINCT client_id) AS clients
                      FROM keyed
                     GROUP BY company_id, dimension, group_key
                )
                SELECT k.company_id, k.dimension, k.group_key, k.categ_id, COUNT(*), g.clients, SUM(k.revenue),
                       %(now)s
                  FROM keyed k
                  JOIN groups g USING (company_id, dimension, group_key)
                 GROUP BY k.company_id, k.dimension, k.group_key, k.categ_id, g.clients
                """,
                since=since,
                now=now,
            )
        )
        self.invalidate_model()
