from datetime import datetime

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TestCrmTelephonyCommon


@tagged("post_install", "-at_install")
class TestCallReport(TestCrmTelephonyCommon):
    """Call statistics (crm.call.report), "who called whom" and who sees which calls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_salesperson.tz = "Europe/Moscow"  # UTC+3, no daylight saving time
        cls.user_salesperson_2.tz = "Asia/Yekaterinburg"  # UTC+5
        cls.client = cls.env["res.partner"].create({"name": "Report Client LLC", "is_company": True})
        cls.contact = cls.env["res.partner"].create({"name": "Report Contact", "parent_id": cls.client.id})
        cls.other_client = cls.env["res.partner"].create({"name": "Other Report Client", "is_company": True})
        cls.pbx_company_2 = cls.env["crm.pbx"].create({"name": "Second PBX", "company_id": cls.company_2.id})
        cls.sequence = 0

        def call(user, state, start, direction="in", talk=0, wait=0, partner=None, **vals):
            cls.sequence += 1
            return cls.env["crm.call"].create(
                {
                    "pbx_id": cls.pbx.id,
                    "external_id": f"report-{cls.sequence}",
                    "direction": direction,
                    "number_raw": f"+7915000{cls.sequence:04d}",
                    "number_e164": f"+7915000{cls.sequence:04d}",
                    "partner_id": partner.id if partner else False,
                    "user_id": user.id if user else False,
                    "state": state,
                    "date_start": start,
                    "talk_seconds": talk,
                    "wait_seconds": wait,
                    **vals,
                }
            )

        cls.calls = (
            # salesperson: 3 incoming (2 answered, 1 missed) and 1 outgoing answered
            call(cls.user_salesperson, "answered", datetime(2026, 3, 2, 7, 30), talk=60, wait=10, partner=cls.contact)
            | call(cls.user_salesperson, "answered", datetime(2026, 3, 2, 7, 45), talk=120, wait=20, partner=cls.client)
            | call(cls.user_salesperson, "missed", datetime(2026, 3, 3, 12, 5), wait=30, partner=cls.contact)
            | call(
                cls.user_salesperson,
                "answered",
                datetime(2026, 3, 3, 13, 0),
                direction="out",
                talk=30,
                wait=5,
                partner=cls.other_client,
            )
            # salesperson 2: a busy call and a call still ringing (no wait counted yet)
            | call(cls.user_salesperson_2, "busy", datetime(2026, 3, 2, 9, 0), wait=7)
            | call(cls.user_salesperson_2, "ringing", datetime(2026, 3, 2, 9, 1), wait=99, partner=cls.client)
        )
        # A call of the other company, invisible from the first one.
        cls.call_company_2 = cls.env["crm.call"].create(
            {
                "pbx_id": cls.pbx_company_2.id,
                "external_id": "report-company-2",
                "number_raw": "+79150009999",
                "user_id": cls.user_salesperson_company_2.id,
                "state": "answered",
                "talk_seconds": 500,
                "date_start": datetime(2026, 3, 2, 10, 0),
                "company_id": cls.company_2.id,
            }
        )
        cls.env.flush_all()

    def _report(self, user, groupby):
        width = len(groupby)
        return {
            (group[0] if width == 1 else group[:width]): group[width:]
            for group in self.env["crm.call.report"]
            .with_user(user)
            ._read_group(
                [],
                groupby,
                [
                    "__count",
                    "answered_count:sum",
                    "missed_count:sum",
                    "talk_seconds:sum",
                    "talk_avg_seconds:avg",
                    "wait_avg_seconds:avg",
                    "answer_rate:avg",
                ],
            )
        }

    def test_measures_per_manager(self):
        """Count, answered, missed, total and average talk, average wait, per manager."""
        report = self._report(self.user_head, ["user_id"])
        self.assertEqual(set(report), {self.user_salesperson, self.user_salesperson_2})
        count, answered, missed, talk, talk_avg, wait_avg, rate = report[self.user_salesperson]
        self.assertEqual((count, answered, missed, talk), (4, 3, 1, 210))
        self.assertAlmostEqual(talk_avg, 70.0)  # answered calls only: (60 + 120 + 30) / 3
        self.assertAlmostEqual(wait_avg, 16.25)  # (10 + 20 + 30 + 5) / 4
        self.assertAlmostEqual(rate, 75.0)
        count, answered, missed, talk, talk_avg, wait_avg, rate = report[self.user_salesperson_2]
        self.assertEqual((count, answered, missed, talk), (2, 0, 0, 0))
        self.assertFalse(talk_avg)  # no answered call: no average
        self.assertAlmostEqual(wait_avg, 7.0)  # the ringing call's wait is not over yet
        self.assertAlmostEqual(rate, 0.0)

    def test_by_direction_and_state(self):
        report = self._report(self.user_head, ["direction", "state"])
        self.assertEqual(report[("in", "answered")][0], 2)
        self.assertEqual(report[("in", "missed")][0], 1)
        self.assertEqual(report[("in", "busy")][0], 1)
        self.assertEqual(report[("in", "ringing")][0], 1)
        self.assertEqual(report[("out", "answered")][:4], (1, 1, 0, 30))

    def test_by_day_and_hour(self):
        """Days in the viewer's time zone, hours of the day in the manager's."""
        head = self.user_head.with_context(tz="UTC")
        report = {
            (user, day): count
            for user, day, count in self.env["crm.call.report"]
            .with_user(head)
            .with_context(tz="UTC")
            ._read_group([], ["user_id", "date_start:day"], ["__count"])
        }
        self.assertEqual(report[(self.user_salesperson, datetime(2026, 3, 2))], 2)
        self.assertEqual(report[(self.user_salesperson, datetime(2026, 3, 3))], 2)
        hours = {
            (user, hour): count
            for user, hour, count in self.env["crm.call.report"]
            .with_user(head)
            ._read_group([], ["user_id", "hour"], ["__count"])
        }
        # 07:30 and 07:45 UTC are 10:xx in Moscow; 12:05 -> 15, 13:00 -> 16.
        self.assertEqual(hours[(self.user_salesperson, 10)], 2)
        self.assertEqual(hours[(self.user_salesperson, 15)], 1)
        self.assertEqual(hours[(self.user_salesperson, 16)], 1)
        # 09:00 UTC in Yekaterinburg is 14:00.
        self.assertEqual(hours[(self.user_salesperson_2, 14)], 2)

    def test_hour_falls_back_to_company_time_zone(self):
        self.user_salesperson.tz = False
        self.company.partner_id.tz = "Asia/Vladivostok"  # UTC+10
        self.env.flush_all()
        rows = self.env["crm.call.report"].search([("call_id", "=", self.calls[0].id)])
        self.assertEqual(rows.hour, 17)  # 07:30 UTC
        # A name PostgreSQL does not know (legacy data) counts as UTC instead of breaking the report.
        self.env.cr.execute("UPDATE res_partner SET tz = 'Not/AZone' WHERE id = %s", [self.company.partner_id.id])
        self.env.invalidate_all()
        self.assertEqual(rows.hour, 7)

    def test_who_called_whom(self):
        rows = self.env["crm.call.contact.report"].with_user(self.user_head).search([])
        by_key = {(row.user_id, row.partner_id, row.number): row for row in rows}
        client_row = by_key[(self.user_salesperson, self.client, False)]
        # The contact's calls count for their company.
        self.assertEqual(
            (client_row.call_count, client_row.incoming_count, client_row.answered_count, client_row.missed_count),
            (3, 3, 2, 1),
        )
        self.assertEqual(client_row.talk_seconds, 180)
        self.assertEqual(client_row.first_call, datetime(2026, 3, 2, 7, 30))
        self.assertEqual(client_row.last_call, datetime(2026, 3, 3, 12, 5))
        other_row = by_key[(self.user_salesperson, self.other_client, False)]
        self.assertEqual((other_row.call_count, other_row.outgoing_count), (1, 1))
        # An unidentified number is its own row.
        unknown_row = by_key[(self.user_salesperson_2, self.env["res.partner"], self.calls[4].number_e164)]
        self.assertEqual(unknown_row.call_count, 1)
        action = client_row.action_open_calls()
        self.assertEqual(
            self.env["crm.call"].with_user(self.user_head).search(action["domain"]),
            self.calls[:3],
        )
        # Last calls first.
        self.assertEqual(rows[0].last_call, max(rows.mapped("last_call")))

    def test_statistics_access(self):
        """Heads of sales and administrators read the statistics, of their companies only."""
        for user in (self.user_head, self.user_admin):
            calls = self.env["crm.call.report"].with_user(user).search([]).call_id
            self.assertEqual(calls, self.calls, user.login)
        self.assertEqual(
            self.env["crm.call.report"].with_user(self.user_admin_company_2).search([]).call_id,
            self.call_company_2,
        )
        for user in (self.user_salesperson, self.user_marketer):
            for model in ("crm.call.report", "crm.call.contact.report"):
                with self.assertRaises(AccessError, msg=f"{user.login} on {model}"):
                    self.env[model].with_user(user).search([])

    def test_call_record_rules(self):
        """A salesperson sees their own calls; heads of sales and administrators all of them."""
        Call = self.env["crm.call"]
        self.assertEqual(Call.with_user(self.user_salesperson).search([]), self.calls[:4])
        self.assertEqual(Call.with_user(self.user_salesperson_2).search([]), self.calls[4:])
        with self.assertRaises(AccessError):
            self.calls[4].with_user(self.user_salesperson).read(["state"])
        self.assertEqual(Call.with_user(self.user_head).search([]), self.calls)
        self.assertEqual(Call.with_user(self.user_admin).search([]), self.calls)
        self.assertEqual(Call.with_user(self.user_marketer).search([]), self.calls)
        # Both companies for a user working in both.
        self.user_admin.write({"company_ids": [Command.link(self.company_2.id)]})
        self.assertEqual(
            Call.with_user(self.user_admin)
            .with_context(allowed_company_ids=[self.company.id, self.company_2.id])
            .search([]),
            self.calls | self.call_company_2,
        )

    def test_menus(self):
        """Reporting > Calls for heads of sales and administrators, not for salespeople."""
        menu = self.env.ref("crm_telephony.crm_call_report_menu")
        for user, visible in (
            (self.user_head, True),
            (self.user_admin, True),
            (self.user_salesperson, False),
            (self.user_marketer, False),
        ):
            visible_ids = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertEqual(menu.id in visible_ids, visible, user.login)
