from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CrmPipelineCommon


class PortraitCommon(CrmPipelineCommon):
    """A client with two years of crafted business, so that every number of its portrait is known.

    Orders (confirmed; amounts untaxed, costs from the products' cost):
      O2  600 days ago   2 tools x 1000                          = 2000, cost 1000
      O1   90 days ago  10 cables x 100 + 4 lamps x 50 (contact) = 1200, cost  720
      O3   30 days ago   5 cables x 100                          =  500, cost  300
      O4   10 days ago   2 lamps x 200 in a foreign currency at 2 per company unit
                                                                 =  200, cost   60
      plus a cancelled order and a quotation, which do not count.
    Invoices (30 days to pay) and payments:
      I1 of O2, paid 10 days late, 560 days ago (before the last 12 months)
      I2 of O1, due 60 days ago, paid 48 days ago: 12 days late
      I3 of O3, due in 2 days: unpaid, not overdue
      I4  300, due 20 days ago, 100 paid: 200 overdue for 20 days
      I5  400, due 30 days ago, paid 55 days ago: in time
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.term = cls.env.ref("account.account_payment_term_30days")
        cls.industry = cls.env["res.partner.industry"].create({"name": "Electrical Contracting"})
        cls.other_industry = cls.env["res.partner.industry"].create({"name": "Retail of Lamps"})
        cls.tag = cls.env["res.partner.category"].create({"name": "Key Account"})
        cls.client.write(
            {
                "user_id": cls.user_salesperson.id,
                "industry_id": cls.industry.id,
                "country_id": cls.env.ref("base.ru").id,
                "city": "Kazan",
                "category_id": [Command.set(cls.tag.ids)],
            }
        )
        cls.buyer = cls.env["res.partner"].create(
            {
                "name": "Irina Buyer",
                "parent_id": cls.client.id,
                "mobile": "+7 916 000-00-01",
                "email": "irina@romashka.example",
            }
        )
        categories = cls.env["product.category"].create(
            [{"name": name} for name in ("Cables", "Lighting", "Tools", "Fasteners", "Safety")]
        )
        cls.cables, cls.lighting, cls.tools, cls.fasteners, cls.safety = categories
        cls.cable, cls.lamp, cls.tool, cls.anchor, cls.gloves = cls.env["product.product"].create(
            [
                {
                    "name": name,
                    "type": "consu",
                    "categ_id": categ.id,
                    "list_price": price,
                    "standard_price": cost,
                    "invoice_policy": "order",
                    "taxes_id": [Command.clear()],
                }
                for name, categ, price, cost in (
                    ("Cable NYM 3x2.5", cls.cables, 100.0, 60.0),
                    ("LED Lamp", cls.lighting, 50.0, 30.0),
                    ("Hammer Drill", cls.tools, 1000.0, 500.0),
                    ("Wedge Anchor", cls.fasteners, 20.0, 12.0),
                    ("Insulating Gloves", cls.safety, 150.0, 90.0),
                )
            ]
        )
        # a foreign currency worth half a company unit, for the order O4
        cls.foreign = cls.env.ref("base.EUR") if cls.currency != cls.env.ref("base.EUR") else cls.env.ref("base.USD")
        cls.foreign.active = True
        # only this rate: the company's currency is worth 1, the foreign one 2 per company unit
        cls.env["res.currency.rate"].search([("currency_id", "in", (cls.foreign | cls.currency).ids)]).unlink()
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.foreign.id,
                "company_id": cls.company.id,
                "name": cls.today - timedelta(days=800),
                "rate": 2.0,
            }
        )
        cls.foreign_pricelist = cls.env["product.pricelist"].create(
            {"name": "Foreign", "currency_id": cls.foreign.id, "company_id": cls.company.id}
        )

        cls.o2 = cls._order(cls.client, 600, [(cls.tool, 2, 1000.0)])
        cls.o1 = cls._order(cls.buyer, 90, [(cls.cable, 10, 100.0), (cls.lamp, 4, 50.0)])
        cls.o3 = cls._order(cls.client, 30, [(cls.cable, 5, 100.0)])
        cls.o4 = cls._order(cls.client, 10, [(cls.lamp, 2, 200.0)], pricelist=cls.foreign_pricelist)
        cancelled = cls._order(cls.client, 5, [(cls.tool, 9, 1000.0)])
        cancelled._action_cancel()
        cls._order(cls.client, 3, [(cls.tool, 7, 1000.0)], confirm=False)

        cls.i1 = cls._invoice(600, order=cls.o2)
        cls._pay(cls.i1, 2000.0, 560)
        cls.i2 = cls._invoice(90, order=cls.o1)
        cls._pay(cls.i2, 1200.0, 48)
        cls.i3 = cls._invoice(28, order=cls.o3)
        cls.i4 = cls._invoice(50, lines=[(cls.anchor, 15, 20.0)])
        cls._pay(cls.i4, 100.0, 10)
        cls.i5 = cls._invoice(60, lines=[(cls.lamp, 8, 50.0)])
        cls._pay(cls.i5, 400.0, 55)

    @classmethod
    def _days_ago(cls, days, hour=10):
        return datetime.combine(cls.today - timedelta(days=days), time(hour))

    @classmethod
    def _order(cls, partner, days_ago, lines, pricelist=None, confirm=True):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": cls.user_salesperson.id,
                "pricelist_id": pricelist.id if pricelist else False,
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "product_uom_qty": qty, "price_unit": price, "tax_id": False}
                    )
                    for product, qty, price in lines
                ],
            }
        )
        if confirm:
            order.action_confirm()
        # confirming dates the order now: put it back in its time (its rate follows)
        order.date_order = cls._days_ago(days_ago)
        return order

    @classmethod
    def _invoice(cls, days_ago, order=None, lines=()):
        if order:
            invoice = order._create_invoices()
        else:
            invoice = cls.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.client.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": product.id, "quantity": qty, "price_unit": price, "tax_ids": False}
                        )
                        for product, qty, price in lines
                    ],
                }
            )
        invoice.write({"invoice_date": cls.today - timedelta(days=days_ago), "invoice_payment_term_id": cls.term.id})
        invoice.action_post()
        return invoice

    @classmethod
    def _pay(cls, invoice, amount, days_ago):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": cls.today - timedelta(days=days_ago)})
            ._create_payments()
        )


@tagged("post_install", "-at_install")
# the history is dated relative to today: a run crossing midnight must not shift it
@freeze_time("2026-06-15 12:00:00")
class TestPortrait(PortraitCommon):
    """The numbers of the client portrait against the crafted history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        web, phone = cls.env["utm.source"].create([{"name": "Portrait Web Form"}, {"name": "Portrait Phone"}])
        cls.open_deal, won, lost = cls.env["crm.lead"].create(
            [
                {
                    "name": "More cable",
                    "type": "opportunity",
                    "partner_id": cls.buyer.id,
                    "source_id": web.id,
                    "expected_revenue": 5000.0,
                    "user_id": cls.user_salesperson.id,
                },
                {"name": "Drills", "type": "opportunity", "partner_id": cls.client.id, "source_id": phone.id},
                {"name": "Lamps", "type": "opportunity", "partner_id": cls.client.id, "source_id": web.id},
            ]
        )
        won.action_set_won()
        lost.action_set_lost()
        quality = cls.env.ref("crm_pipeline.crm_complaint_category_quality")
        resolved, overdue = cls.env["crm.complaint"].create(
            [
                {"partner_id": cls.client.id, "category_id": quality.id, "sale_order_id": cls.o1.id},
                {"partner_id": cls.buyer.id, "category_id": quality.id},
            ]
        )
        resolved.write({"state": "resolved", "resolution": "Replaced"})
        overdue.date_deadline = cls.today - timedelta(days=1)
        cls.client.message_post(body="Please call me back", message_type="email", author_id=cls.buyer.id)

    def test_identity(self):
        data = self.client._crm_portrait_data()
        identity = data["identity"]
        self.assertEqual(data["client_id"], self.client.id)
        self.assertEqual(data["currency_id"], self.currency.id)
        self.assertEqual(identity["name"], "OOO Romashka")
        self.assertEqual(identity["industry"], [self.industry.id, "Electrical Contracting"])
        self.assertEqual(identity["country"], [self.env.ref("base.ru").id, "Russian Federation"])
        self.assertEqual(identity["city"], "Kazan")
        self.assertEqual(identity["tags"], ["Key Account"])
        self.assertEqual(identity["user"], [self.user_salesperson.id, "Sasha Salesperson"])
        self.assertEqual(identity["team"], [self.team.id, "CRM Pipeline Team"])
        self.assertEqual(identity["contact_count"], 1)
        # revenue of the last 12 months: 1900, between 1 000 and 10 000
        self.assertEqual(identity["size_band"], [1000, 10000])
        # the card of a contact shows its company's portrait
        self.assertEqual(self.buyer._crm_portrait_data()["sales"], data["sales"])

    def test_sales_and_margin(self):
        """Confirmed orders only, in the company's currency; costs at the products' cost."""
        self.assertEqual(self.o4.currency_id, self.foreign)
        self.assertEqual(self.o4.currency_rate, 2.0)
        sales = self.client._crm_portrait_data()["sales"]
        self.assertEqual(
            sales,
            {
                "revenue": 3900.0,
                "revenue_12m": 1900.0,
                "margin": 1820.0,
                "margin_12m": 820.0,
                "margin_rate": 46.7,
                "margin_rate_12m": 43.2,
                "order_count": 4,
                "order_count_12m": 3,
                "average_order": 975.0,
                "average_order_12m": 633.33,
                "first_order_date": fields.Date.to_string(self.today - timedelta(days=600)),
                "last_order_date": fields.Date.to_string(self.today - timedelta(days=10)),
            },
        )

    def test_categories_bought(self):
        categories = self.client._crm_portrait_data()["categories"]
        self.assertEqual(
            [(c["name"], c["revenue_12m"], c["share_12m"], c["revenue"]) for c in categories],
            [
                (self.cables.complete_name, 1500.0, 78.9, 1500.0),
                (self.lighting.complete_name, 400.0, 21.1, 400.0),
            ],
        )

    def test_payment_discipline(self):
        """Overdue now from the unpaid instalments past due; lateness from the last reconciliation date
        against the due date, over the invoices paid in the last 12 months."""
        self.assertEqual(self.i2.invoice_date_due, self.today - timedelta(days=60))
        self.assertIn(self.i2.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.i4.payment_state, "partial")
        payment = self.client._crm_portrait_data()["payment"]
        self.assertEqual(
            payment,
            {
                "overdue_amount": 200.0,
                "overdue_invoice_count": 1,
                "overdue_days": 20,
                "open_amount": 700.0,
                "paid_invoice_count": 2,
                "paid_late_count": 1,
                "average_days_late": 6.0,
                "max_days_late": 12,
            },
        )
        # paying the rest of I4 ten days late of its due date... today: 20 days late
        self._pay(self.i4, 200.0, 0)
        payment = self.client._crm_portrait_data()["payment"]
        self.assertEqual(payment["overdue_amount"], 0.0)
        self.assertEqual(payment["open_amount"], 500.0)
        self.assertEqual((payment["paid_invoice_count"], payment["paid_late_count"]), (3, 2))
        self.assertEqual(payment["average_days_late"], round((12 + 0 + 20) / 3, 1))
        self.assertEqual(payment["max_days_late"], 20)

    def test_deals_complaints_and_channels(self):
        data = self.client._crm_portrait_data()
        self.assertEqual(
            data["activity"],
            {
                "lead_count": 3,
                "won_count": 1,
                "open_deal_count": 1,
                "open_deal_amount": 5000.0,
                "complaint_count": 2,
                "open_complaint_count": 1,
                "overdue_complaint_count": 1,
            },
        )
        channels = {c["key"]: (c["label"], c["count"]) for c in data["channels"]}
        web, phone = (
            self.env["utm.source"]
            .search([("name", "in", ("Portrait Web Form", "Portrait Phone"))])
            .sorted("name", reverse=True)
        )
        self.assertEqual(
            channels,
            {
                f"source_{web.id}": ("Portrait Web Form", 2),
                f"source_{phone.id}": ("Portrait Phone", 1),
                "email_in": ("E-mails received", 1),
                "phone": ("Phone numbers", 2),
                "email_address": ("E-mail addresses", 2),
            },
        )

    def test_segment(self):
        self.client.write(
            {
                "crm_abc_class": "A",
                "crm_xyz_class": "X",
                "crm_segment": "AX",
                "crm_segment_date": self.today - timedelta(days=5),
                "crm_next_order_date": self.today + timedelta(days=10),
                "crm_order_interval_days": 29.6,
            }
        )
        self.env["crm.partner.segment.history"].create(
            [
                {
                    "partner_id": self.client.id,
                    "company_id": self.company.id,
                    "date": self.today - timedelta(days=days),
                    "old_abc_class": old,
                    "new_abc_class": new,
                    "old_xyz_class": "X" if old else False,
                    "new_xyz_class": "X",
                }
                for days, old, new in ((400, False, "C"), (200, "C", "B"), (5, "B", "A"))
            ]
        )
        segment = self.client._crm_portrait_data()["segment"]
        self.assertEqual(
            segment,
            {
                "abc": "A",
                "xyz": "X",
                "segment": "AX",
                "date": fields.Date.to_string(self.today - timedelta(days=5)),
                "next_order_date": fields.Date.to_string(self.today + timedelta(days=10)),
                "order_interval_days": 30,
                "history": [
                    {
                        "date": fields.Date.to_string(self.today - timedelta(days=5)),
                        "old_segment": "BX",
                        "segment": "AX",
                    },
                    {
                        "date": fields.Date.to_string(self.today - timedelta(days=200)),
                        "old_segment": "CX",
                        "segment": "BX",
                    },
                    {
                        "date": fields.Date.to_string(self.today - timedelta(days=400)),
                        "old_segment": False,
                        "segment": "CX",
                    },
                ],
            },
        )

    def test_offers_exclude_bought_categories(self):
        """What clients of the same industry or ABC class buy and this client never bought.

        Industry group (last 12 months): the client (cables, lighting), C2 (fasteners, cables),
        C3 (fasteners, tools). Class A: the client, C3, C4 (safety). The client bought tools two years
        ago: never offered."""
        # only these clients are classified, so that the groups are exactly the crafted ones
        self.env["res.partner"].search([("crm_abc_class", "!=", False)]).write({"crm_abc_class": False})
        c2, c3, c4 = self.env["res.partner"].create(
            [
                {"name": "C2", "is_company": True, "industry_id": self.industry.id, "crm_abc_class": "B"},
                {"name": "C3", "is_company": True, "industry_id": self.industry.id, "crm_abc_class": "A"},
                {"name": "C4", "is_company": True, "industry_id": self.other_industry.id, "crm_abc_class": "A"},
            ]
        )
        self.client.crm_abc_class = "A"
        self._order(c2, 40, [(self.anchor, 10, 20.0), (self.cable, 1, 100.0)])
        self._order(c3, 20, [(self.anchor, 5, 20.0), (self.tool, 1, 1000.0)])
        self._order(c4, 15, [(self.gloves, 2, 150.0)])
        # a category bought by a similar client before the last 12 months is not a trend
        self._order(c2, 500, [(self.gloves, 50, 150.0)])
        self.env["crm.portrait.offer.stat"]._crm_refresh()
        offers = self.client._crm_portrait_data()["offers"]
        self.assertEqual(offers["computed_on"], fields.Date.to_string(self.today))
        self.assertEqual(
            [
                (
                    o["name"],
                    o["dimension"],
                    o["group"],
                    o["client_count"],
                    o["group_client_count"],
                    o["share"],
                    o["revenue"],
                )
                for o in offers["items"]
            ],
            [
                (self.fasteners.complete_name, "industry", "Electrical Contracting", 2, 3, 66.7, 300.0),
                (self.safety.complete_name, "abc", "A", 1, 3, 33.3, 300.0),
            ],
        )
        # once the client buys fasteners, they are no longer offered
        self._order(self.client, 1, [(self.anchor, 1, 20.0)])
        offers = self.client._crm_portrait_data()["offers"]
        self.assertEqual([o["name"] for o in offers["items"]], [self.safety.complete_name])

    def test_query_count(self):
        """The hot path: a fixed number of queries, whatever the size of the client's history."""
        self.env["crm.portrait.offer.stat"]._crm_refresh()
        self.client.crm_abc_class = "A"
        self.env.flush_all()
        self.client._crm_portrait_data()
        with self.assertQueryCount(8):
            self.client._crm_portrait_data()
        for days in range(2, 40, 2):
            self._order(self.buyer, days, [(self.cable, 1, 100.0), (self.lamp, 1, 50.0)])
        self.env.flush_all()
        with self.assertQueryCount(8):
            data = self.client._crm_portrait_data()
        self.assertEqual(data["sales"]["order_count"], 4 + 19)

    def test_access(self):
        """Whoever may read the client sees its numbers, even without access to its orders; others not."""
        with self.assertRaises(AccessError):
            self.o1.with_user(self.user_salesperson_2).check_access("read")
        for user in (self.user_salesperson_2, self.user_marketer, self.user_head):
            data = self.client.with_user(user).get_crm_portrait_data()
            self.assertEqual(data["sales"]["revenue"], 3900.0, user.name)
        foreign_client = self.env["res.partner"].create(
            {"name": "Other Company's Client", "is_company": True, "company_id": self.other_company.id}
        )
        with self.assertRaises(AccessError):
            foreign_client.with_user(self.user_salesperson).get_crm_portrait_data()
