# Russian demo data: Cyrillic letters in strings are intended.
import re
from collections import defaultdict

from odoo import fields
from odoo.exceptions import AccessDenied
from odoo.tests import TransactionCase, tagged

PHONE_FORMATS = {
    "+7 915 111-22-33": r"^\+7 \d{3} \d{3}-\d{2}-\d{2}$",
    "8 (915) 111-22-33": r"^8 \(\d{3}\) \d{3}-\d{2}-\d{2}$",
    "79151112233": r"^7\d{10}$",
    "+7 (495) 123-45-67 доб. 123": r"^\+7 \(\d{3}\) \d{3}-\d{2}-\d{2} доб\. \d+$",
    "8-495-123-45-67 ext. 12": r"^8-\d{3}-\d{3}-\d{2}-\d{2} ext\. \d+$",
    "foreign": r"^\+(?!7 ?\d{3}[ )-])\d",
}


@tagged("post_install", "-at_install")
class TestDemoGenerator(TransactionCase):
    """The 'tiny' demo dataset, generated once, checked the way a user would look at it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["crm.demo.generator"])
        cls.created = cls.env["crm.demo.generator"].generate(size="tiny", seed=7)
        cls.company = cls.env["res.company"].search([("name", "=", "ООО «Вектор»")])
        cls.clients = cls.env["res.partner"].search(
            [("company_id", "=", cls.company.id), ("is_company", "=", True), ("user_id", "!=", False)]
        )
        cls.orders = cls.env["sale.order"].search([("company_id", "=", cls.company.id)])
        cls.confirmed = cls.orders.filtered(lambda o: o.state == "sale")
        cls.invoices = cls.confirmed.invoice_ids
        cls.leads = cls.env["crm.lead"].with_context(active_test=False).search([("company_id", "=", cls.company.id)])

    def test_company(self):
        self.assertEqual(len(self.company), 1)
        self.assertEqual(self.company.currency_id, self.env.ref("base.RUB"))
        self.assertEqual(self.company.country_id, self.env.ref("base.ru"))
        self.assertEqual(self.company.city, "Москва")
        self.assertEqual(self.company.chart_template, "generic_coa")
        self.assertTrue(
            self.env["account.journal"].search_count([("company_id", "=", self.company.id), ("type", "=", "sale")])
        )
        self.assertTrue(self.env["stock.warehouse"].search_count([("company_id", "=", self.company.id)]))
        admin = self.env.ref("base.user_admin")
        self.assertIn(self.company, admin.company_ids)
        self.assertEqual(admin.company_id, self.company)
        self.assertEqual(self.created["res.company"], 1)
        self.assertEqual(self.created["sale.order"], len(self.orders))

    def test_users_and_teams(self):
        users = {
            login: self.env["res.users"].search([("login", "=", login)])
            for login in ("head", "sales1", "sales2", "sales3", "marketer")
        }
        for login, user in users.items():
            self.assertEqual(len(user), 1, login)
            self.assertEqual(user.company_id, self.company)
            # the password is the login
            user.with_user(user)._check_credentials({"type": "password", "password": login}, {"interactive": True})
            with self.assertRaises(AccessDenied):
                user.with_user(user)._check_credentials(
                    {"type": "password", "password": "wrong"}, {"interactive": True}
                )
        self.assertTrue(users["head"].has_group("crm_pipeline.group_crm_head"))
        self.assertTrue(users["head"].has_group("stock.group_stock_user"))
        self.assertTrue(users["sales1"].has_group("crm_pipeline.group_crm_salesperson"))
        self.assertFalse(users["sales1"].has_group("crm_pipeline.group_crm_head"))
        self.assertTrue(users["marketer"].has_group("crm_pipeline.group_crm_marketer"))
        self.assertFalse(users["marketer"].has_group("crm_pipeline.group_crm_salesperson"))
        # a salesperson opens the delivery and the invoice of one of their orders
        order = self.confirmed.filtered(lambda o: o.user_id == users["sales1"])[:1]
        self.assertTrue(order)
        as_sales1 = order.with_user(users["sales1"])
        self.assertTrue(as_sales1.picking_ids.mapped("name"))
        self.assertTrue(as_sales1.invoice_ids.mapped("name"))
        teams = self.env["crm.team"].search([("company_id", "=", self.company.id)])
        self.assertEqual(sorted(teams.mapped("name")), sorted(["Москва", "Регионы", "Ключевые клиенты"]))
        self.assertEqual(teams.filtered(lambda t: t.name == "Москва").user_id, users["head"])
        for team in teams:
            self.assertTrue(team.user_id, team.name)
            self.assertTrue(team.member_ids, team.name)

    def test_clients(self):
        self.assertEqual(len(self.clients), 20)
        for client in self.clients:
            self.assertTrue(client.child_ids, client.name)
            self.assertTrue(client.user_id.has_group("crm_pipeline.group_crm_salesperson"))
            self.assertEqual(client.country_id.code, "RU")
            self.assertTrue(client.city and client.street and client.email)
            self.assertTrue(client.category_id)
            self.assertRegex(client.name, r"^(ООО «|АО «|ИП )")
        numbers = self.clients.mapped("phone") + self.clients.mapped("mobile") + self.clients.child_ids.mapped("mobile")
        for label, pattern in PHONE_FORMATS.items():
            self.assertTrue([n for n in numbers if n and re.match(pattern, n)], f"no phone written as {label}")
        # Odoo's phone logic understands them: the sanitized numbers are E.164
        sanitized = [s for s in self.clients.mapped("phone_sanitized") if s]
        self.assertGreater(len(sanitized), len(self.clients) // 2)
        self.assertTrue(all(s.startswith("+") for s in sanitized))

    def test_products_and_stock(self):
        products = self.env["product.product"].with_company(self.company).search([("company_id", "=", self.company.id)])
        self.assertEqual(len(products), 16)
        self.assertTrue(all(products.mapped("is_storable")))
        self.assertGreaterEqual(len(products.categ_id), 8)
        self.assertTrue(all(p.list_price > p.standard_price > 0 for p in products))
        # stock is left after every delivery of the period
        self.assertTrue(all(p.qty_available > 0 for p in products))

    def test_orders_deliveries_invoices(self):
        self.assertTrue(self.confirmed)
        months = {o.date_order.strftime("%Y-%m") for o in self.confirmed}
        self.assertGreaterEqual(len(months), 3)
        self.assertTrue(all(o.date_order.date() <= self.today for o in self.orders))
        self.assertEqual(set(self.orders.mapped("state")), {"draft", "sent", "sale", "cancel"})
        for order in self.confirmed:
            self.assertEqual(order.currency_id.name, "RUB")
            self.assertTrue(order.picking_ids, order.name)
            self.assertEqual(set(order.picking_ids.mapped("state")), {"done"}, order.name)
            for picking in order.picking_ids:
                self.assertGreaterEqual(picking.date_done.date(), order.date_order.date())
            self.assertEqual(order.invoice_status, "invoiced", order.name)
            self.assertEqual(set(order.invoice_ids.mapped("state")), {"posted"}, order.name)
            for invoice in order.invoice_ids:
                self.assertAlmostEqual(invoice.amount_total, order.amount_total, places=2)
                self.assertLessEqual(invoice.invoice_date, self.today)
                self.assertEqual((invoice.invoice_date_due - invoice.invoice_date).days, 30)
        self.assertFalse((self.orders - self.confirmed).invoice_ids)

    def test_payments(self):
        due = self.invoices.filtered(lambda i: i.invoice_date_due < self.today)
        paid = due.filtered(lambda i: i.payment_state in ("paid", "in_payment"))
        self.assertGreater(len(paid), len(due) / 2, "most invoices due are paid")
        late, on_time = 0, 0
        for invoice in self.invoices.filtered(lambda i: i.payment_state in ("paid", "in_payment")):
            payments = invoice._get_reconciled_payments()
            self.assertTrue(payments, invoice.name)
            self.assertAlmostEqual(sum(payments.mapped("amount")), invoice.amount_total, places=2)
            self.assertTrue(all(p.state in ("paid", "in_process") for p in payments))
            pay_date = max(payments.mapped("date"))
            self.assertGreaterEqual(pay_date, invoice.invoice_date)
            self.assertLessEqual(pay_date, self.today)
            if pay_date > invoice.invoice_date_due:
                late += 1
            else:
                on_time += 1
        self.assertTrue(late, "some clients pay late")
        self.assertGreater(on_time, late)
        open_invoices = self.invoices.filtered(lambda i: i.payment_state == "not_paid")
        self.assertTrue(open_invoices)
        self.assertTrue(open_invoices.filtered(lambda i: i.invoice_date_due < self.today), "some invoices are overdue")

    def test_abc_spread(self):
        revenue = defaultdict(float)
        for order in self.confirmed:
            revenue[order.partner_id] += order.amount_untaxed
        amounts = sorted(revenue.values(), reverse=True)
        top = amounts[: max(1, len(self.clients) // 5)]
        self.assertGreaterEqual(sum(top), 0.5 * sum(amounts))

    def test_leads(self):
        sources = ("Форма на сайте", "Яндекс Директ", "Телефон", "Выставка", "Рекомендация")
        for source in sources:
            self.assertTrue(self.leads.filtered(lambda lead, s=source: lead.source_id.name == s), source)
        yandex = self.leads.filtered(lambda lead: lead.source_id.name == "Яндекс Директ")
        self.assertTrue(all(lead.campaign_id and lead.medium_id for lead in yandex))
        pool = self.leads.filtered(lambda lead: lead.active and lead.type == "lead" and not lead.user_id)
        self.assertTrue(pool)
        self.assertTrue(all(lead.team_id for lead in pool))
        opportunities = self.leads.filtered(
            lambda lead: lead.active and lead.type == "opportunity" and not lead.stage_id.is_won
        )
        self.assertGreaterEqual(len(opportunities.stage_id), 2)
        won = self.leads.filtered(lambda lead: lead.active and lead.stage_id.is_won)
        self.assertTrue(won)
        self.assertTrue(all(lead.probability == 100 and lead.date_closed for lead in won))
        self.assertTrue(won.order_ids, "won deals are linked to the client's orders")
        self.assertTrue(all(o.partner_id == lead.partner_id for lead in won for o in lead.order_ids))
        lost = self.leads.filtered(lambda lead: not lead.active)
        self.assertTrue(lost)
        self.assertTrue(all(lead.lost_reason_id and lead.probability == 0 for lead in lost))
        # spread over the period, not all created today
        self.assertGreaterEqual(len({lead.create_date.strftime("%Y-%m") for lead in self.leads}), 3)

    def test_activities_and_meetings(self):
        salespeople = self.env["res.users"].search([("login", "in", ["sales1", "sales2", "sales3"])])
        activities = self.env["mail.activity"].search(
            [("user_id", "in", salespeople.ids), ("res_model", "=", "crm.lead")]
        )
        self.assertTrue(activities.filtered(lambda a: a.date_deadline == self.today))
        self.assertTrue(activities.filtered(lambda a: a.date_deadline < self.today))
        meetings = self.env["calendar.event"].search([("user_id", "in", salespeople.ids)])
        self.assertTrue(meetings.filtered(lambda e: e.start.date() == self.today))
        self.assertTrue(all(e.opportunity_id for e in meetings))

    def test_plan_is_deterministic(self):
        generator = self.env["crm.demo.generator"]
        plan = generator._demo_plan("tiny", 7, self.today)
        self.assertEqual(plan, generator._demo_plan("tiny", 7, self.today))
        self.assertEqual(generator._demo_plan_month(plan, 1), generator._demo_plan_month(plan, 1))
        other = generator._demo_plan("tiny", 8, self.today)
        self.assertNotEqual(plan["clients"], other["clients"])
        self.assertNotEqual(generator._demo_plan_month(plan, 1), generator._demo_plan_month(other, 1))
        # the plan is what was generated
        self.assertEqual(sorted(self.clients.mapped("name")), sorted(c["name"] for c in plan["clients"]))
        planned_orders = sum(len(generator._demo_plan_month(plan, m)) for m in range(len(plan["months"])))
        self.assertEqual(len(self.orders), planned_orders)

    def test_steps_are_extensible(self):
        steps = self.env["crm.demo.generator"]._demo_steps()
        self.assertEqual(steps[0], ("Company", "_demo_step_company"))
        for _label, method in steps:
            self.assertTrue(callable(getattr(self.env["crm.demo.generator"], method)))
        self.assertLess(self.env["crm.demo.generator"]._demo_sizes()["tiny"]["months"], 24)
