from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CrmAnalyticsCommon

MEASURES = [
    "lead_count",
    "opportunity_count",
    "won_count",
    "lost_count",
    "open_count",
    "expected_revenue",
    "won_revenue",
]


@tagged("post_install", "-at_install")
class TestCrmLeadChannelReport(CrmAnalyticsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.source_ads = cls.env["utm.source"].create({"name": "Ana Test Google Ads"})
        cls.source_expo = cls.env["utm.source"].create({"name": "Ana Test Exhibition"})
        cls.medium_cpc = cls.env["utm.medium"].create({"name": "Ana Test CPC"})
        cls.medium_offline = cls.env["utm.medium"].create({"name": "Ana Test Offline"})
        cls.campaign_spring = cls.env["utm.campaign"].create({"name": "Ana Test Spring"})
        cls.team = cls.env["crm.team"].create({"name": "Ana Test Team", "company_id": cls.company_a.id})
        cls.stage_new = cls.env["crm.stage"].create({"name": "Ana New", "sequence": 1})
        cls.stage_won = cls.env["crm.stage"].create({"name": "Ana Won", "sequence": 70, "is_won": True})

        common = {"company_id": cls.company_a.id, "team_id": cls.team.id, "user_id": cls.user_salesperson.id}
        ads = dict(
            common,
            source_id=cls.source_ads.id,
            medium_id=cls.medium_cpc.id,
            campaign_id=cls.campaign_spring.id,
        )
        expo = dict(common, source_id=cls.source_expo.id, medium_id=cls.medium_offline.id)
        Lead = cls.env["crm.lead"]
        cls.ads_lead_open = Lead.create(dict(ads, name="Ads lead", type="lead", expected_revenue=1000))
        cls.ads_won_1 = Lead.create(
            dict(ads, name="Ads won 1", type="opportunity", stage_id=cls.stage_won.id, expected_revenue=5000)
        )
        cls.ads_won_2 = Lead.create(
            dict(ads, name="Ads won 2", type="opportunity", stage_id=cls.stage_won.id, expected_revenue=2500)
        )
        cls.ads_lost = Lead.create(
            dict(ads, name="Ads lost", type="opportunity", stage_id=cls.stage_new.id, expected_revenue=700)
        )
        cls.expo_open = Lead.create(
            dict(expo, name="Expo open", type="opportunity", stage_id=cls.stage_new.id, expected_revenue=300)
        )
        cls.expo_lost = Lead.create(
            dict(expo, name="Expo lost", type="opportunity", stage_id=cls.stage_new.id, expected_revenue=900)
        )
        # archived without being lost (e.g. merged into another lead): probability is kept
        cls.expo_archived = Lead.create(
            dict(
                expo,
                name="Expo archived",
                type="opportunity",
                stage_id=cls.stage_new.id,
                probability=30,
                expected_revenue=400,
            )
        )
        (cls.ads_lost | cls.expo_lost).action_set_lost()
        cls.expo_archived.write({"active": False})
        cls.company_b_won = Lead.create(
            {
                "name": "Company B won",
                "type": "opportunity",
                "company_id": cls.company_b.id,
                "source_id": cls.source_ads.id,
                "stage_id": cls.stage_won.id,
                "expected_revenue": 10000,
                "user_id": False,
                "team_id": False,
            }
        )
        cls.leads_a = (
            cls.ads_lead_open
            | cls.ads_won_1
            | cls.ads_won_2
            | cls.ads_lost
            | cls.expo_open
            | cls.expo_lost
            | cls.expo_archived
        )
        cls.our_sources = cls.source_ads | cls.source_expo

    def _by_source(self, user=None):
        """The report's numbers per source, as the pivot shows them to ``user``."""
        report = self.env["crm.lead.channel.report"]
        if user:
            report = report.with_user(user)
        groups = report.read_group(
            [("source_id", "in", self.our_sources.ids)],
            [f"{measure}:sum" for measure in MEASURES],
            ["source_id"],
        )
        return {group["source_id"][1]: {m: group[m] for m in MEASURES} for group in groups}

    def test_lead_states_in_the_data(self):
        """The leads are in the states the report is expected to count."""
        self.assertFalse(self.ads_lost.active)
        self.assertEqual(self.ads_lost.probability, 0)
        self.assertFalse(self.expo_archived.active)
        self.assertEqual(self.expo_archived.probability, 30)
        self.assertEqual(self.ads_won_1.probability, 100)

    def test_numbers_per_source(self):
        """Per source: leads, opportunities, won, lost, open and revenue match the leads exactly."""
        self.assertEqual(
            self._by_source(self.user_marketer),
            {
                "Ana Test Google Ads": {
                    "lead_count": 4,
                    "opportunity_count": 3,
                    "won_count": 2,
                    "lost_count": 1,
                    "open_count": 1,
                    "expected_revenue": 9200.0,
                    "won_revenue": 7500.0,
                },
                "Ana Test Exhibition": {
                    "lead_count": 3,
                    "opportunity_count": 3,
                    "won_count": 0,
                    "lost_count": 1,
                    "open_count": 1,
                    "expected_revenue": 1600.0,
                    "won_revenue": 0.0,
                },
            },
        )

    def test_numbers_follow_the_leads(self):
        """Winning an open deal and losing a won one moves the figures at once (no stale view)."""
        self.expo_open.write({"stage_id": self.stage_won.id})
        self.ads_won_2.action_set_lost()
        numbers = self._by_source(self.user_head)
        self.assertEqual(numbers["Ana Test Exhibition"]["won_count"], 1)
        self.assertEqual(numbers["Ana Test Exhibition"]["open_count"], 0)
        self.assertEqual(numbers["Ana Test Exhibition"]["won_revenue"], 300.0)
        self.assertEqual(numbers["Ana Test Google Ads"]["won_count"], 1)
        self.assertEqual(numbers["Ana Test Google Ads"]["lost_count"], 2)
        self.assertEqual(numbers["Ana Test Google Ads"]["won_revenue"], 5000.0)

    def test_group_by_medium_campaign_team_salesperson(self):
        """The other channel dimensions and the owners group the same leads."""
        report = self.env["crm.lead.channel.report"].with_user(self.user_marketer)
        domain = [("source_id", "in", self.our_sources.ids)]
        by_medium = {
            medium.name: count for medium, count in report._read_group(domain, ["medium_id"], ["lead_count:sum"])
        }
        self.assertEqual(by_medium, {"Ana Test CPC": 4, "Ana Test Offline": 3})
        by_campaign = {
            campaign.name or "": count
            for campaign, count in report._read_group(domain, ["campaign_id"], ["lead_count:sum"])
        }
        self.assertEqual(by_campaign, {"Ana Test Spring": 4, "": 3})
        by_owner = report._read_group(domain, ["team_id", "user_id"], ["lead_count:sum", "won_revenue:sum"])
        self.assertEqual(by_owner, [(self.team, self.user_salesperson, 7, 7500.0)])

    def test_group_by_month(self):
        """Leads are counted in the month they were created in; the filter of the last 12 months drops older ones."""
        old_date = fields.Datetime.now() - timedelta(days=400)
        self.env.flush_all()
        self.env.cr.execute("UPDATE crm_lead SET create_date = %s WHERE id = %s", [old_date, self.expo_open.id])
        self.env.invalidate_all()
        report = self.env["crm.lead.channel.report"].with_user(self.user_marketer)
        domain = [("source_id", "in", self.our_sources.ids)]
        by_month = report.read_group(domain, ["lead_count:sum"], ["lead_create_date:month"], orderby="lead_create_date")
        self.assertEqual([group["lead_create_date_count"] for group in by_month], [1, 6])
        self.assertEqual([group["lead_count"] for group in by_month], [1, 6])
        this_year = report.search_count(
            domain + [("lead_create_date", ">=", fields.Datetime.now() - timedelta(days=365))],
        )
        self.assertEqual(this_year, 6)

    def test_report_rows_link_to_leads(self):
        """Each row is one lead, lost and archived ones included, with its type and stage."""
        rows = self.env["crm.lead.channel.report"].search([("lead_id", "in", self.leads_a.ids)])
        self.assertEqual(rows.lead_id, self.leads_a)
        row = rows.filtered(lambda r: r.lead_id == self.ads_lead_open)
        self.assertEqual(row.lead_type, "lead")
        self.assertEqual(row.currency_id, self.company_a.currency_id)
        self.assertEqual(rows.filtered(lambda r: r.lead_id == self.ads_won_1).stage_id, self.stage_won)

    def test_marketer_reads_but_never_writes(self):
        """The marketer reads the report and the leads, and can change neither."""
        report = self.env["crm.lead.channel.report"].with_user(self.user_marketer)
        rows = report.search([("lead_id", "in", self.leads_a.ids)])
        self.assertEqual(len(rows), 7)
        leads = self.env["crm.lead"].with_user(self.user_marketer).search([("id", "in", self.leads_a.ids)])
        self.assertEqual(leads, self.leads_a.filtered("active"))
        self.assertEqual(leads.with_user(self.user_marketer).mapped("name")[0], leads[0].name)
        with self.assertRaises(AccessError):
            self.ads_lead_open.with_user(self.user_marketer).write({"name": "Renamed by marketer"})
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.user_marketer).create({"name": "Lead by marketer"})
        with self.assertRaises(AccessError):
            rows[0].write({"lead_count": 5})
        with self.assertRaises(AccessError):
            report.create({"lead_count": 1})

    def test_head_reads_the_report(self):
        """The head of sales (and the CRM administrator through implication) read the report, read-only."""
        for user in (self.user_head, self.user_crm_admin):
            rows = self.env["crm.lead.channel.report"].with_user(user).search([("lead_id", "in", self.leads_a.ids)])
            self.assertEqual(len(rows), 7)
            with self.assertRaises(AccessError):
                rows[0].write({"lead_count": 5})

    def test_salesperson_has_no_access(self):
        """A plain salesperson can neither read the report nor see its menu."""
        with self.assertRaises(AccessError):
            self.env["crm.lead.channel.report"].with_user(self.user_salesperson).search([])
        menu = self.env.ref("crm_analytics.crm_lead_channel_report_menu")
        visible = {
            user: menu.id in self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            for user in (self.user_salesperson, self.user_head, self.user_marketer, self.user_crm_admin)
        }
        self.assertEqual(
            visible,
            {
                self.user_salesperson: False,
                self.user_head: True,
                self.user_marketer: True,
                self.user_crm_admin: True,
            },
        )

    def test_multi_company(self):
        """A lead of company B is counted for company B only."""
        self.assertEqual(self._by_source(self.user_marketer)["Ana Test Google Ads"]["lead_count"], 4)
        self.assertNotIn(
            self.company_b_won,
            self.env["crm.lead"].with_user(self.user_marketer).search([("source_id", "=", self.source_ads.id)]),
        )
        numbers_b = self._by_source(self.user_marketer_b)
        self.assertEqual(list(numbers_b), ["Ana Test Google Ads"])
        self.assertEqual(numbers_b["Ana Test Google Ads"]["lead_count"], 1)
        self.assertEqual(numbers_b["Ana Test Google Ads"]["won_revenue"], 10000.0)
        # the rule is what hides it: without rules, both companies are there
        self.assertEqual(self._by_source()["Ana Test Google Ads"]["lead_count"], 5)
