from datetime import datetime, time, timedelta

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_segments import SegmentsCommon


@tagged("post_install", "-at_install")
class TestRepeatSales(SegmentsCommon):
    """Clients ordering at regular intervals, the forecast of their next order and the reminders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls._crm_company("Repeat Sales Test Company")
        Category = cls.env["product.category"]
        cls.cables, cls.lights = Category.create([{"name": "Test cables"}, {"name": "Test lights"}])
        Product = cls.env["product.product"]
        cls.cable = Product.create({"name": "Test cable", "type": "service", "categ_id": cls.cables.id})
        cls.light = Product.create({"name": "Test lamp", "type": "service", "categ_id": cls.lights.id})
        Partner = cls.env["res.partner"]
        cls.regular = Partner.create({"name": "Regular client", "is_company": True, "user_id": cls.user_salesperson.id})
        cls.team_client = Partner.create({"name": "Team client", "is_company": True})
        cls.orphan = Partner.create({"name": "Orphan client", "is_company": True})
        cls.late = Partner.create({"name": "Late client", "is_company": True, "user_id": cls.user_salesperson_2.id})
        cls.twice = Partner.create({"name": "Twice client", "is_company": True, "user_id": cls.user_salesperson.id})
        cls.same_day = Partner.create(
            {"name": "Same-day client", "is_company": True, "user_id": cls.user_salesperson.id}
        )
        leaderless = cls.env["crm.team"].create({"name": "Leaderless team", "user_id": False})
        cable, light = (cls.cable, 1, 100.0), (cls.light, 1, 50.0)
        specs = [
            # every 30 days, the last one 25 days ago; lamps on three of those days (intervals 60 and 30)
            (cls.regular, cls._days_ago(115), [cable, light]),
            (cls.regular, cls._days_ago(85), [cable]),
            (cls.regular, cls._days_ago(55), [cable, light]),
            (cls.regular, cls._days_ago(25), [cable, light]),
            # every 20 days, the last one 18 days ago; no salesperson: the leader of the team of its orders
            (cls.team_client, cls._days_ago(58), [cable]),
            (cls.team_client, cls._days_ago(38), [cable]),
            (cls.team_client, cls._days_ago(18), [cable]),
            (cls.orphan, cls._days_ago(58), [cable]),
            (cls.orphan, cls._days_ago(38), [cable]),
            (cls.orphan, cls._days_ago(18), [cable]),
            # every 10 days, the last one 40 days ago: 30 days overdue
            (cls.late, cls._days_ago(60), [cable]),
            (cls.late, cls._days_ago(50), [cable]),
            (cls.late, cls._days_ago(40), [cable]),
            (cls.twice, cls._days_ago(30), [cable]),
            (cls.twice, cls._days_ago(10), [cable]),
            # three orders on two days: one interval only
            (cls.same_day, cls._days_ago(20), [cable]),
            (cls.same_day, cls._days_ago(20), [light]),
            (cls.same_day, cls._days_ago(5), [cable]),
        ]
        orders = cls._orders(cls.company, specs)
        orders.filtered(lambda o: o.partner_id == cls.team_client).team_id = cls.team
        orders.filtered(lambda o: o.partner_id == cls.orphan).team_id = leaderless
        cls.Forecast = cls.env["crm.repeat.forecast"]

    @classmethod
    def _days_ago(cls, days):
        return datetime.combine(cls.today - timedelta(days=days), time(10, 0))

    def _rows(self, partner):
        return {
            row.categ_id: row
            for row in self.Forecast.search([("partner_id", "=", partner.id), ("company_id", "=", self.company.id)])
        }

    def _activities(self, partner):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", self.env.ref("crm_pipeline.mail_activity_type_repeat_order").id),
            ]
        )

    def test_prediction(self):
        """Orders exactly 30 days apart: the next one is expected 30 days after the last one."""
        self.Forecast._crm_repeat_refresh_company(self.company)
        rows = self._rows(self.regular)
        self.assertEqual(set(rows), {self.env["product.category"], self.cables, self.lights})
        client = rows[self.env["product.category"]]
        last = self.today - timedelta(days=25)
        self.assertEqual(client.order_count, 4)
        self.assertEqual(client.last_order_date, last)
        self.assertEqual(client.interval_median, 30.0)
        self.assertEqual(client.interval_iqr, 0.0)
        self.assertEqual(client.next_order_date, last + timedelta(days=30))
        self.assertEqual(rows[self.cables].next_order_date, last + timedelta(days=30))
        # lamps: intervals 60 and 30 -> median 45, spread (IQR) 15
        self.assertEqual(rows[self.lights].interval_median, 45.0)
        self.assertEqual(rows[self.lights].interval_iqr, 15.0)
        self.assertEqual(rows[self.lights].next_order_date, last + timedelta(days=45))
        self.assertEqual(self.regular.crm_next_order_date, last + timedelta(days=30))
        self.assertEqual(self.regular.crm_order_interval_days, 30.0)
        self.assertEqual(rows[self.cables].team_id, self.regular.sale_order_ids[:1].team_id)
        # fewer than three order days: no forecast
        self.assertFalse(self._rows(self.twice))
        self.assertFalse(self._rows(self.same_day))
        self.assertFalse(self.twice.crm_next_order_date)
        # overdue: the list of clients late for their reorder
        overdue = self.Forecast.search(
            [("company_id", "=", self.company.id), ("categ_id", "=", False), ("next_order_date", "<", self.today)]
        )
        self.assertEqual(overdue.partner_id, self.late)
        self.assertEqual(overdue.overdue_days, 30)

    def test_reminders_once(self):
        """Running the job twice creates no duplicate activity, nor after the activity is done."""
        self._run_job("crm_pipeline.ir_cron_crm_repeat_sales")
        activity = self._activities(self.regular)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_salesperson)
        self.assertEqual(activity.date_deadline, self.today + timedelta(days=5))
        self.assertIn("Test cables", activity.note)
        self.assertNotIn("Test lights", activity.note)
        # the client without a salesperson: the leader of its orders' team; without either: nobody
        self.assertEqual(self._activities(self.team_client).user_id, self.user_head)
        self.assertFalse(self._activities(self.orphan))
        # overdue (predicted date passed) and not yet due clients get no reminder
        self.assertFalse(self._activities(self.late))
        reminders = self.env["crm.repeat.reminder"].search([("partner_id", "=", self.regular.id)])
        self.assertEqual(len(reminders), 2)  # the whole client and its cables, in one activity
        self.assertEqual(reminders.activity_id, activity)

        self._run_job("crm_pipeline.ir_cron_crm_repeat_sales")
        self.Forecast._crm_repeat_remind(self.company)
        self.assertEqual(self._activities(self.regular), activity)
        self.assertEqual(len(self._activities(self.team_client)), 1)
        activity.action_feedback(feedback="Offered")
        self.assertFalse(self._activities(self.regular))
        self.company.crm_repeat_min_orders = 3  # even after a full rebuild of the forecast
        self.assertFalse(self.company.crm_repeat_refreshed_at)
        self._run_job("crm_pipeline.ir_cron_crm_repeat_sales", chunk_size=2)
        self.assertTrue(self.company.crm_repeat_refreshed_at)
        self.assertFalse(self._activities(self.regular))
        self.assertEqual(self.env["crm.repeat.reminder"].search([("partner_id", "=", self.regular.id)]), reminders)
        # the database refuses a second reminder of the same prediction
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute(
                "INSERT INTO crm_repeat_reminder (company_id, partner_id, categ_id, predicted_date) "
                "SELECT company_id, partner_id, categ_id, predicted_date FROM crm_repeat_reminder WHERE id = %s",
                [reminders[0].id],
            )

    def test_progress_leaves_the_company_row_alone(self):
        """A full rebuild chunk by chunk, then an incremental refresh: the progress goes to the
        job's own row (crm.company.job), never to the company's."""
        version = self._company_row_version()
        while self.Forecast._crm_repeat_rebuild_step(self.company, chunk_size=1):
            self.assertTrue(self.company.crm_repeat_rebuild_started_at)
            self.assertTrue(self.company.crm_repeat_rebuild_after_id)
        refreshed = self.company.crm_repeat_refreshed_at
        self.assertTrue(refreshed)
        self.assertFalse(self.company.crm_repeat_rebuild_started_at)
        self.Forecast._crm_repeat_refresh_incremental(self.company)
        self.assertGreaterEqual(self.company.crm_repeat_refreshed_at, refreshed)
        self.assertEqual(self._company_row_version(), version)
        # a new minimum (a setting, on the company) restarts the forecast from scratch
        self.company.crm_repeat_min_orders = 4
        self.assertFalse(self.company.crm_repeat_refreshed_at)

    def test_new_order_moves_the_prediction(self):
        """An order of the late client refreshes its forecast at the next run (incremental refresh)."""
        self.Forecast._crm_repeat_refresh_company(self.company)
        other = self._rows(self.regular)[self.env["product.category"]]
        # everything so far happened in this test's transaction: date the existing orders yesterday
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order SET write_date = write_date - interval '1 day' WHERE company_id = %s", [self.company.id]
        )
        self._orders(self.company, [(self.late, self._days_ago(1), [(self.cable, 1, 100.0)])])
        # the job refreshes a forecast older than an hour
        self.env["crm.company.job"]._crm_job_write(
            self.company, "repeat", {"done_at": self.company.crm_repeat_refreshed_at - timedelta(hours=2)}
        )
        self._run_job("crm_pipeline.ir_cron_crm_repeat_sales")
        late = self._rows(self.late)[self.env["product.category"]]
        # intervals 10, 10, 39: median 10
        self.assertEqual(late.interval_median, 10.0)
        self.assertEqual(late.next_order_date, self.today + timedelta(days=9))
        self.assertEqual(self.late.crm_next_order_date, self.today + timedelta(days=9))
        # only the clients with changed orders were recomputed
        self.assertEqual(self._rows(self.regular)[self.env["product.category"]], other)

    def test_cron_batches(self):
        """A first, full build of the forecast chunk by chunk, then one client's reminders per call
        with a batch of one; the runner is told what remains."""
        companies = self.env["res.company"].search([("id", "!=", self.company.id)])
        for company in companies:
            self.Forecast._crm_repeat_refresh_company(company)
            while self.Forecast._crm_repeat_remind(company):
                pass
        # 6 clients with orders: 3 chunks of 2 and the last, empty one; then 2 clients' reminders
        calls = self._run_job("crm_pipeline.ir_cron_crm_repeat_sales", batch_size=1, chunk_size=2)
        self.assertEqual(calls, [(1, 1)] * 4 + [(1, 1), (1, 0)])
        self.assertEqual(len(self._activities(self.regular)), 1)
        self.assertEqual(len(self._activities(self.team_client)), 1)
        self.assertEqual(self._run_job("crm_pipeline.ir_cron_crm_repeat_sales", batch_size=1), [(0, 0)])

    def test_roles(self):
        """Salespeople see the forecast of their own clients; heads of sales see all; nobody edits it."""
        self.Forecast._crm_repeat_refresh_company(self.company)
        as_sales = self.Forecast.with_user(self.user_salesperson)
        self.assertEqual(as_sales.search([("company_id", "=", self.company.id)]).partner_id, self.regular)
        as_head = self.Forecast.with_user(self.user_head)
        self.assertEqual(
            as_head.search([("company_id", "=", self.company.id)]).partner_id,
            self.regular | self.team_client | self.orphan | self.late,
        )
        self.assertTrue(self.Forecast.with_user(self.user_marketer).search([("company_id", "=", self.company.id)]))
        row = as_sales.search([("company_id", "=", self.company.id)], limit=1)
        with self.assertRaises(AccessError):
            row.next_order_date = self.today
        with self.assertRaises(AccessError):
            as_sales.action_crm_repeat_refresh()
        as_head.with_company(self.company).action_crm_repeat_refresh()
        self.assertEqual(len(self._activities(self.regular)), 1)
