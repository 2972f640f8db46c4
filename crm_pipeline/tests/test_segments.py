from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import CrmPipelineCommon


class SegmentsCommon(CrmPipelineCommon):
    """Companies of their own (the demo data's orders stay out of the rankings), a product and
    helpers that build confirmed sale orders at chosen dates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["crm.partner.segment"])
        cls.period_end = cls.today.replace(day=1)
        cls.product = cls.env["product.product"].create(
            {"name": "Segment Test Service", "type": "service", "list_price": 100.0, "invoice_policy": "order"}
        )

    def _run_job(self, xmlid, **kwargs):
        """Call a scheduled job's method the way the cron runner does: again and again while it
        reports progress with work remaining. Returns the (done, remaining) of each call."""
        cron = self.env.ref(xmlid)
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        model = self.env[cron.model_id.model].with_context(ir_cron_progress_id=progress.id)
        method = getattr(model, cron.code.split("model.", 1)[1].split("(", 1)[0])
        calls = []
        for _i in range(100):
            method(**kwargs)
            calls.append((progress.done, progress.remaining))
            if not progress.done or not progress.remaining:
                return calls
        raise AssertionError(f"{xmlid} did not finish in 100 calls")

    def _company_row_version(self):
        """Where the company's row is: every UPDATE of the row moves it (a new tuple version)."""
        self.env.flush_all()
        self.env.cr.execute("SELECT ctid FROM res_company WHERE id = %s", [self.company.id])
        return self.env.cr.fetchone()[0]

    @classmethod
    def _crm_company(cls, name):
        company = cls.env["res.company"].create({"name": name, "currency_id": cls.env.company.currency_id.id})
        users = cls.user_salesperson | cls.user_salesperson_2 | cls.user_head | cls.user_crm_admin | cls.user_marketer
        users.write({"company_ids": [Command.link(company.id)]})
        return company

    @classmethod
    def _month(cls, months_ago, day=10):
        """A moment in the month ``months_ago`` complete months before the current one (1 = last month)."""
        first = cls.period_end - relativedelta(months=months_ago)
        return datetime.combine(first + timedelta(days=day - 1), time(10, 0))

    @classmethod
    def _orders(cls, company, specs):
        """Confirmed orders of ``company``; ``specs``: (partner, when, [(product, qty, price[, uom])])."""
        vals_list = []
        for partner, _when, lines in specs:
            order_lines = []
            for line in lines:
                product, qty, price = line[:3]
                vals = {"product_id": product.id, "product_uom_qty": qty, "price_unit": price}
                if len(line) > 3:
                    vals["product_uom"] = line[3].id
                order_lines.append(Command.create(vals))
            vals_list.append({"partner_id": partner.id, "company_id": company.id, "order_line": order_lines})
        orders = cls.env["sale.order"].with_company(company).create(vals_list)
        orders.action_confirm()
        # confirming stamps the order date with now: put each order back at its date
        for order, (_partner, when, _lines) in zip(orders, specs, strict=True):
            order.date_order = when
        return orders

    @classmethod
    def _monthly(cls, company, partner, amounts):
        """One order per month for ``partner``; ``amounts[i]`` is the revenue of the month i + 1
        months ago (0: no order that month)."""
        specs = [
            (partner, cls._month(months_ago), [(cls.product, 1, amount)])
            for months_ago, amount in enumerate(amounts, 1)
            if amount
        ]
        return cls._orders(company, specs)


@tagged("post_install", "-at_install")
class TestSegments(SegmentsCommon):
    """Ten clients with crafted monthly revenue over the last twelve complete months."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls._crm_company("Segments Test Company")
        Partner = cls.env["res.partner"]
        names = ("ax", "ay", "az", "locked", "bx", "bz", "cx", "cy", "new", "old")
        cls.clients = {name: Partner.create({"name": f"Segment client {name}", "is_company": True}) for name in names}
        cls.contact_ax = Partner.create({"name": "Buyer of ax", "parent_id": cls.clients["ax"].id})
        Pricelist = cls.env["product.pricelist"]
        # the company's default pricelist comes first: the clients have it before any segment pricelist
        cls.default_pricelist = Pricelist.create({"name": "Default", "company_id": cls.company.id, "sequence": 1})
        cls.pricelists = {
            key: Pricelist.create({"name": f"Segment pricelist {key}", "company_id": cls.company.id})
            for key in ("AX", "A", "B", "C", "own")
        }
        cls.env["crm.segment.pricelist"].create(
            [
                {
                    "company_id": cls.company.id,
                    "abc_class": "A",
                    "xyz_class": "X",
                    "pricelist_id": cls.pricelists["AX"].id,
                },
                {"company_id": cls.company.id, "abc_class": "A", "pricelist_id": cls.pricelists["A"].id},
                {"company_id": cls.company.id, "abc_class": "B", "pricelist_id": cls.pricelists["B"].id},
                {"company_id": cls.company.id, "abc_class": "C", "pricelist_id": cls.pricelists["C"].id},
            ]
        )
        locked = cls.clients["locked"].with_company(cls.company)
        locked.property_product_pricelist = cls.pricelists["own"]
        locked.crm_pricelist_locked = True
        # monthly revenue, last month first: total 1,216,000; cumulative shares before each client:
        # ax 0 %, ay 39.5 %, az 59.2 %, locked 74.0 % -> A; bx 88.8 %, bz 93.8 % -> B; cx, cy, new -> C
        steady_ay = [24000 if month % 2 else 16000 for month in range(12)]  # cv 20 %
        cls.amounts = {
            "ax": [40000] * 12,  # cv 0
            "ay": steady_ay,
            "az": [60000 if month in (1, 5, 9) else 0 for month in range(12)],  # cv 173 %
            "locked": [15000] * 12,
            "bx": [5000] * 12,
            "bz": [40000 if month == 7 else 0 for month in range(12)],  # cv 265 %
            "cx": [1000] * 12,
            "cy": [1200 if month % 2 else 800 for month in range(12)],  # cv 20 %
            "new": [6000, 6000],  # first order two months ago: too new for an XYZ class
        }
        for name, amounts in cls.amounts.items():
            cls._monthly(cls.company, cls.clients[name], amounts)
        # half of ax's orders are placed by its contact person: they count for the client
        cls.env["sale.order"].search(
            [("partner_id", "=", cls.clients["ax"].id), ("company_id", "=", cls.company.id)], limit=6
        ).partner_id = cls.contact_ax
        # "old" only bought before the period and was classified by an earlier run
        cls._orders(cls.company, [(cls.clients["old"], cls._month(14), [(cls.product, 1, 50000)])])
        cls.clients["old"].write(
            {"crm_abc_class": "B", "crm_xyz_class": "X", "crm_segment": "BX", "crm_segment_company_id": cls.company.id}
        )
        cls.expected = {
            "ax": ("A", "X"),
            "ay": ("A", "Y"),
            "az": ("A", "Z"),
            "locked": ("A", "X"),
            "bx": ("B", "X"),
            "bz": ("B", "Z"),
            "cx": ("C", "X"),
            "cy": ("C", "Y"),
            "new": ("C", False),
            "old": (False, False),
        }

    def _classes(self):
        return {name: (p.crm_abc_class, p.crm_xyz_class) for name, p in self.clients.items()}

    def _history(self):
        return self.env["crm.partner.segment.history"].search(
            [("partner_id", "in", [p.id for p in self.clients.values()])]
        )

    def _pricelist(self, name):
        return self.clients[name].with_company(self.company).property_product_pricelist

    def test_classes_and_segment_pricelists(self):
        """The ten clients land in their classes; the reclassification switches their pricelists,
        says so in their chatter, and the client with "Keep pricelist" keeps its own."""
        Segment = self.env["crm.partner.segment"]
        changed = Segment._crm_segment_run(self.company)
        self.assertEqual(changed, 10)
        self.assertEqual(self._classes(), self.expected)
        self.assertEqual(self.clients["ax"].crm_segment, "AX")
        self.assertEqual(self.clients["new"].crm_segment, "C")
        self.assertFalse(self.clients["old"].crm_segment)
        self.assertEqual(self.clients["ax"].crm_segment_date, self.today)
        self.assertEqual(self.clients["ax"].crm_segment_company_id, self.company)
        self.assertFalse(self.clients["old"].crm_segment_company_id)
        # the company's view of the classification: revenue (the contact's orders included), variation
        rows = {row.partner_id: row for row in Segment.search([("company_id", "=", self.company.id)])}
        self.assertEqual(len(rows), 9)
        ax, ay, new = rows[self.clients["ax"]], rows[self.clients["ay"]], rows[self.clients["new"]]
        self.assertAlmostEqual(ax.revenue, 480000.0)
        self.assertEqual(ax.order_count, 12)
        self.assertAlmostEqual(ax.cv, 0.0, places=3)
        self.assertAlmostEqual(ay.cv, 20.0, places=3)
        self.assertAlmostEqual(ax.cumulative_share, 100.0 * 480000 / 1216000, places=2)
        self.assertEqual(new.months, 2)
        self.assertEqual(ax.months, 12)
        # pricelists: both classes first, then the ABC class alone
        expected_pricelists = {
            "ax": "AX",
            "ay": "A",
            "az": "A",
            "locked": "own",
            "bx": "B",
            "bz": "B",
            "cx": "C",
            "cy": "C",
            "new": "C",
        }
        for name, key in expected_pricelists.items():
            self.assertEqual(self._pricelist(name), self.pricelists[key], name)
        # the contact follows its company's pricelist
        self.assertEqual(self.contact_ax.with_company(self.company).property_product_pricelist, self.pricelists["AX"])
        # one note per client whose pricelist changed, none for the client keeping its own
        messages = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "in", [p.id for p in self.clients.values()])]
        )
        noted = messages.filtered(lambda m: "pricelist changed" in m.body)
        self.assertEqual(
            sorted(noted.mapped("res_id")), sorted(self.clients[n].id for n in expected_pricelists if n != "locked")
        )
        note_ax = noted.filtered(lambda m: m.res_id == self.clients["ax"].id)
        self.assertEqual(len(note_ax), 1)
        self.assertIn("Segment pricelist AX", note_ax.body)
        self.assertIn("Segment AX", note_ax.body)
        # history: the first classification of each client, and the loss of the old client's class
        history = self._history()
        self.assertEqual(len(history), 10)
        old_row = history.filtered(lambda h: h.partner_id == self.clients["old"])
        self.assertEqual((old_row.old_segment, old_row.new_segment), ("BX", False))
        ax_row = history.filtered(lambda h: h.partner_id == self.clients["ax"])
        self.assertEqual((ax_row.old_abc_class, ax_row.new_abc_class, ax_row.new_xyz_class), (False, "A", "X"))
        self.assertEqual(ax_row.new_pricelist_id, self.pricelists["AX"])
        self.assertFalse(history.filtered(lambda h: h.partner_id == self.clients["locked"]).new_pricelist_id)

    def test_history_only_on_change(self):
        """A run that changes no class writes nothing; a run that changes three writes three rows."""
        Segment = self.env["crm.partner.segment"]
        Segment._crm_segment_run(self.company)
        history = self._history()
        messages = self.env["mail.message"].search_count([("model", "=", "res.partner")])
        self.assertEqual(Segment._crm_segment_run(self.company), 0)
        self.assertEqual(self._history(), history)
        self.assertEqual(self.env["mail.message"].search_count([("model", "=", "res.partner")]), messages)
        # cx buys 500,000 last month: it becomes the biggest, irregular client, and pushes "locked"
        # down to B (cumulative share before it 81.7 %) and "bz" down to C (95.6 %)
        self._orders(self.company, [(self.clients["cx"], self._month(1, day=20), [(self.product, 1, 500000)])])
        self.assertEqual(Segment._crm_segment_run(self.company), 3)
        new_rows = self._history() - history
        self.assertEqual(new_rows.partner_id, self.clients["cx"] | self.clients["locked"] | self.clients["bz"])
        cx_row = new_rows.filtered(lambda h: h.partner_id == self.clients["cx"])
        self.assertEqual((cx_row.old_segment, cx_row.new_segment), ("CX", "AZ"))
        self.assertEqual(cx_row.old_pricelist_id, self.pricelists["C"])
        self.assertEqual(cx_row.new_pricelist_id, self.pricelists["A"])
        self.assertEqual(self._pricelist("cx"), self.pricelists["A"])
        locked_row = new_rows.filtered(lambda h: h.partner_id == self.clients["locked"])
        self.assertEqual((locked_row.old_segment, locked_row.new_segment), ("AX", "BX"))
        self.assertEqual(self._pricelist("locked"), self.pricelists["own"])
        self.assertEqual(self._pricelist("bz"), self.pricelists["C"])
        history_cx = self.env["crm.partner.segment.history"].search([("partner_id", "=", self.clients["cx"].id)])
        self.assertEqual(history_cx.mapped("new_segment"), ["AZ", "CX"])

    def test_margin_measure(self):
        """With the margin as measure, a big client buying at a thin margin drops from A to B;
        the cost is the product's cost per product unit (a line sold by the dozen)."""
        company = self._crm_company("Margin Test Company")
        thin = self.env["product.product"].create({"name": "Thin margin", "type": "service", "list_price": 100.0})
        fat = self.env["product.product"].create({"name": "Fat margin", "type": "service", "list_price": 100.0})
        thin.with_company(company).standard_price = 95.0
        fat.with_company(company).standard_price = 10.0
        dozen = self.env.ref("uom.product_uom_dozen")
        Partner = self.env["res.partner"]
        big, small, third = (Partner.create({"name": f"Margin client {n}", "is_company": True}) for n in "123")
        specs = []
        for month in range(1, 13):
            specs += [
                (big, self._month(month), [(thin, 100, 100.0)]),  # revenue 10,000, margin 500
                (small, self._month(month), [(fat, 30, 100.0)]),  # revenue 3,000, margin 2,700
                (third, self._month(month), [(fat, 1, 1000.0, dozen)]),  # revenue 1,000, margin 880
            ]
        self._orders(company, specs)
        Segment = self.env["crm.partner.segment"]
        Segment._crm_segment_run(company)
        self.assertEqual([p.crm_abc_class for p in (big, small, third)], ["A", "A", "B"])
        company.crm_segment_measure = "margin"
        Segment._crm_segment_run(company)
        self.assertEqual([p.crm_abc_class for p in (big, small, third)], ["B", "A", "A"])
        rows = {row.partner_id: row for row in Segment.search([("company_id", "=", company.id)])}
        self.assertAlmostEqual(rows[big].margin, 500.0 * 12)
        self.assertAlmostEqual(rows[third].margin, 880.0 * 12)
        self.assertAlmostEqual(rows[third].value, 880.0 * 12)
        self.assertAlmostEqual(rows[big].revenue, 10000.0 * 12)
        big_rows = self.env["crm.partner.segment.history"].search([("partner_id", "=", big.id)])
        self.assertEqual(big_rows.mapped("new_abc_class"), ["B", "A"])

    def test_cron_batches(self):
        """The scheduled job classifies once a day, chunk by chunk, then applies the changes batch
        by batch, one step per call, reporting its progress to the cron runner."""
        Segment = self.env["crm.partner.segment"]
        for company in self.env["res.company"].search([("id", "!=", self.company.id)]):
            Segment._crm_segment_run(company)
        calls = self._run_job("crm_pipeline.ir_cron_crm_segments", batch_size=4, chunk_size=4)
        # 9 clients with orders in the period: three chunks measured, then ranked; then 10 partners
        # change (the old client loses its class) in batches of 4
        self.assertEqual(calls, [(1, 1)] * 4 + [(4, 6), (4, 2), (2, 0)])
        self.assertEqual(self._classes(), self.expected)
        self.assertEqual(len(self._history()), 10)
        self.assertEqual(self._pricelist("ay"), self.pricelists["A"])
        self.assertFalse(self.company.crm_segment_run_date)
        # the same day: nothing to classify nor to apply
        snapshot = Segment.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(snapshot), 9)
        self.assertEqual(self._run_job("crm_pipeline.ir_cron_crm_segments", batch_size=4, chunk_size=4), [(0, 0)])
        self.assertEqual(Segment.search([("company_id", "=", self.company.id)]), snapshot)
        self.assertEqual(len(self._history()), 10)

    def test_progress_leaves_the_company_row_alone(self):
        """Each step's progress goes to the job's own row (crm.company.job), not to the company's:
        an administrator saving the company, or the repeat-sale job, can neither make the
        classification fail with a serialization error nor make it wait."""
        Segment = self.env["crm.partner.segment"]
        version = self._company_row_version()
        steps = 0
        while Segment._crm_segment_step(self.company, chunk_size=4):
            steps += 1
            self.assertEqual(self.company.crm_segment_run_date, self.today)
            self.assertTrue(self.company.crm_segment_run_after_id)
        self.assertEqual(steps, 3)  # 9 clients in chunks of 4
        self.assertEqual(self._company_row_version(), version)
        self.assertTrue(self.company.crm_segment_last_run)
        self.assertFalse(self.company.crm_segment_run_date)
        job = self.env["crm.company.job"].search([("company_id", "=", self.company.id), ("job", "=", "segments")])
        self.assertRecordValues(job, [{"run_date": False, "after_id": 0, "done_at": self.company.crm_segment_last_run}])

    def test_run_restarts_on_new_settings(self):
        """A classification interrupted by a change of the settings starts again with the new ones."""
        Segment = self.env["crm.partner.segment"]
        self.assertTrue(Segment._crm_segment_step(self.company, chunk_size=4))
        self.assertEqual(self.company.crm_segment_run_date, self.today)
        self.company.crm_segment_xyz_x = 5.0
        self.assertFalse(self.company.crm_segment_run_date)
        Segment._crm_segment_run(self.company)
        self.assertEqual(self.clients["ay"].crm_xyz_class, "Y")

    def test_roles(self):
        """Salespeople change neither the settings nor the mapping and don't see the matrix; heads of
        sales read the reports and the mapping and may recompute; CRM administrators edit the mapping."""
        sales = self.user_salesperson
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(sales).create({"crm_segment_period_months": 6})
        with self.assertRaises(AccessError):
            self.company.with_user(sales).write({"crm_segment_abc_a": 50.0})
        Mapping = self.env["crm.segment.pricelist"]
        with self.assertRaises(AccessError):
            Mapping.with_user(sales).search([])
        with self.assertRaises(AccessError):
            Mapping.with_user(sales).create(
                {"abc_class": "B", "xyz_class": "X", "pricelist_id": self.pricelists["A"].id}
            )
        with self.assertRaises(AccessError):
            self.env["crm.partner.segment"].with_user(sales).search([])
        with self.assertRaises(AccessError):
            self.env["crm.partner.segment"].with_user(sales).with_company(self.company).action_crm_segment_recompute()

        head = self.user_head
        as_head = self.env(user=head, context=dict(self.env.context, allowed_company_ids=[self.company.id]))
        self.assertEqual(len(as_head["crm.segment.pricelist"].search([])), 4)
        with self.assertRaises(AccessError):
            as_head["crm.segment.pricelist"].create(
                {"abc_class": "B", "xyz_class": "X", "pricelist_id": self.pricelists["A"].id}
            )
        with self.assertRaises(AccessError):
            as_head["crm.segment.pricelist"].search([], limit=1).pricelist_id = self.pricelists["C"]
        # the head recomputes from the report and reads the matrix and the history
        action = as_head["crm.partner.segment"].action_crm_segment_recompute()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self._classes(), self.expected)
        groups = as_head["crm.partner.segment"]._read_group([], ["abc_class", "xyz_class"], ["__count", "revenue:sum"])
        matrix = {(abc, xyz): (count, revenue) for abc, xyz, count, revenue in groups}
        self.assertEqual(matrix[("A", "X")], (2, 480000.0 + 180000.0))
        self.assertEqual(matrix[("C", False)], (1, 12000.0))
        self.assertEqual(len(as_head["crm.partner.segment.history"].search([])), 10)
        # a salesperson reads the history of a client (the client portrait shows it)
        self.assertEqual(len(self.clients["ax"].with_user(sales).crm_segment_history_ids), 1)
        # with only the main company selected, the head does not see this company's matrix
        as_head_main = self.env(user=head, context=dict(self.env.context, allowed_company_ids=[self.env.company.id]))
        self.assertFalse(as_head_main["crm.partner.segment"].search([("company_id", "=", self.company.id)]))

        admin = self.env(
            user=self.user_crm_admin, context=dict(self.env.context, allowed_company_ids=[self.company.id])
        )
        mapping = admin["crm.segment.pricelist"].create(
            {"abc_class": "B", "xyz_class": "Z", "pricelist_id": self.pricelists["C"].id}
        )
        self.assertEqual(mapping.company_id, self.company)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            admin["crm.segment.pricelist"].create(
                {"abc_class": "B", "xyz_class": "Z", "pricelist_id": self.pricelists["A"].id}
            )
        admin["crm.segment.pricelist"].search([("id", "=", mapping.id)]).action_crm_segment_apply_pricelists()
        self.assertEqual(self._pricelist("bz"), self.pricelists["C"])
        self.assertEqual(self._pricelist("bx"), self.pricelists["B"])

    def test_settings(self):
        """The settings form writes the company's settings; inconsistent thresholds are refused."""
        settings = (
            self.env["res.config.settings"]
            .with_company(self.company)
            .create({"crm_segment_abc_a": 70.0, "crm_segment_abc_b": 20.0, "crm_segment_period_months": 6})
        )
        self.assertAlmostEqual(settings.crm_segment_abc_c, 10.0)
        settings.execute()
        self.assertEqual(self.company.crm_segment_period_months, 6)
        self.assertEqual(self.company.crm_segment_abc_a, 70.0)
        with self.assertRaises(ValidationError):
            self.company.crm_segment_abc_b = 40.0
        with self.assertRaises(ValidationError):
            self.company.write({"crm_segment_xyz_x": 30.0, "crm_segment_xyz_y": 20.0})
        # six months: "az" bought in months 2 and 6 of them only
        self.env["crm.partner.segment"]._crm_segment_run(self.company)
        rows = {
            row.partner_id: row
            for row in self.env["crm.partner.segment"].search([("company_id", "=", self.company.id)])
        }
        self.assertEqual(rows[self.clients["az"]].revenue, 120000.0)
        self.assertEqual(rows[self.clients["ax"]].date_from, self.period_end - relativedelta(months=6))


@tagged("post_install", "-at_install")
class TestSegmentsUi(HttpCase, SegmentsCommon):
    """The head of sales opens the ABC x XYZ matrix in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_head.tour_enabled = False
        company = cls.env.company
        Partner = cls.env["res.partner"]
        steady = Partner.create({"name": "Tour Steady Client", "is_company": True})
        rare = Partner.create({"name": "Tour Rare Client", "is_company": True})
        cls._monthly(company, steady, [900000] * 12)
        cls._monthly(company, rare, [0] * 9 + [12000000])
        cls.env["crm.partner.segment"]._crm_segment_run(company)
        cls.steady, cls.rare = steady, rare

    def test_matrix_tour(self):
        self.assertEqual((self.steady.crm_segment, self.rare.crm_segment), ("AX", "AZ"))
        self.start_tour(
            "/odoo/action-crm_pipeline.crm_partner_segment_action", "crm_pipeline_segments_tour", login="crm_head"
        )
