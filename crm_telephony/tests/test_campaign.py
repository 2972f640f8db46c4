from datetime import timedelta

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_pipeline.tests.common import CrmPipelineCommon


class CampaignCommon(CrmPipelineCommon):
    """Clients tagged for the campaign tests, with orders crafted at chosen dates.

    Every campaign here restricts its client filter to the tag, so the Odoo demo data of the
    database never enters the exact sets checked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag = cls.env["res.partner.category"].create({"name": "Telemarketing test clients"})
        cls.product = cls.env["product.product"].create(
            {"name": "Cable VVG 3x2.5", "type": "service", "list_price": 100.0, "invoice_policy": "order"}
        )
        cls.now = fields.Datetime.now()
        cls.domain = f"[('category_id', 'in', [{cls.tag.id}])]"

    @classmethod
    def _client(cls, name, **vals):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, "category_id": [Command.link(cls.tag.id)], **vals}
        )

    @classmethod
    def _order(cls, partner, ago, state="sale", company=None):
        """An order of ``partner`` dated ``ago`` (a relativedelta) before now, in ``state``."""
        SaleOrder = cls.env["sale.order"].with_company(company or cls.env.company)
        order = SaleOrder.create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )
        if state == "sale":
            order.action_confirm()
        elif state == "cancel":
            order.action_cancel()
        order.date_order = cls.now - ago
        return order

    def _campaign(self, **vals):
        return (
            self.env["crm.call.campaign"]
            .with_user(self.user_head)
            .create(
                {
                    "name": "Bring back the clients",
                    "team_id": self.team.id,
                    "target_domain": self.domain,
                    "caller_ids": [Command.set([self.user_salesperson.id, self.user_salesperson_2.id])],
                    **vals,
                }
            )
        )


@tagged("post_install", "-at_install")
class TestCampaignPresets(CampaignCommon):
    def test_lapsed_preset_exact_clients(self):
        """Bought in the 12 months before the last 3 months, and not in the last 3 months."""
        months = relativedelta(months=1)
        lapsed = self._client("Lapsed 5 months")
        self._order(lapsed, 5 * months)
        recent = self._client("Bought again last month")
        self._order(recent, 5 * months)
        self._order(recent, 1 * months)
        just_inside_cut = self._client("Bought 80 days ago")
        self._order(just_inside_cut, relativedelta(days=80))
        old = self._client("Bought 20 months ago only")
        self._order(old, 20 * months)
        via_contact = self._client("Ordered through a contact")
        contact = self.env["res.partner"].create(
            {"name": "Buyer", "parent_id": via_contact.id, "category_id": [Command.link(self.tag.id)]}
        )
        self._order(contact, 6 * months)
        quotation_only = self._client("Only a quotation")
        self._order(quotation_only, 5 * months, state="draft")
        cancelled = self._client("Cancelled order")
        self._order(cancelled, 5 * months, state="cancel")
        other_company = self._client("Bought from the other company")
        self._order(other_company, 5 * months, company=self.other_company)
        never = self._client("Never bought")
        lapsed_far = self._client("Lapsed 14 months")
        self._order(lapsed_far, 14 * months)

        campaign = self._campaign(target_preset="lapsed", lapsed_months=3)
        self.assertEqual(
            set(campaign._crm_target_ids()),
            {lapsed.id, via_contact.id, lapsed_far.id},
            "the commercial partner of a contact's order counts; drafts, cancelled orders, other companies, "
            "recent and too old buyers do not",
        )
        self.assertEqual(campaign.target_count, 3)
        self.assertNotIn(contact.id, campaign._crm_target_ids())
        self.assertNotIn(never.id, campaign._crm_target_ids())

        # N = 12: "bought last year, not this year"
        campaign.lapsed_months = 12
        self.assertEqual(set(campaign._crm_target_ids()), {old.id, lapsed_far.id})

    def test_class_a_idle_preset_exact_clients(self):
        """Class A and no confirmed order for 60 days; a class A client that never ordered qualifies."""
        days = relativedelta(days=1)
        idle = self._client("A, last order 90 days ago", crm_abc_class="A")
        self._order(idle, 90 * days)
        recent = self._client("A, ordered 10 days ago", crm_abc_class="A")
        self._order(recent, 90 * days)
        self._order(recent, 10 * days)
        never = self._client("A, never ordered", crm_abc_class="A")
        class_b = self._client("B, last order 90 days ago", crm_abc_class="B")
        self._order(class_b, 90 * days)
        via_contact = self._client("A, its contact ordered 10 days ago", crm_abc_class="A")
        self._order(self.env["res.partner"].create({"name": "Buyer", "parent_id": via_contact.id}), 10 * days)
        draft_recent = self._client("A, only a recent quotation", crm_abc_class="A")
        self._order(draft_recent, 90 * days)
        self._order(draft_recent, 5 * days, state="draft")

        campaign = self._campaign(target_preset="class_a_idle", idle_days=60)
        self.assertEqual(set(campaign._crm_target_ids()), {idle.id, never.id, draft_recent.id})

        campaign.idle_days = 100
        self.assertEqual(set(campaign._crm_target_ids()), {never.id})

    def test_client_filter_narrows_the_preset_and_excludes_non_clients(self):
        moscow = self._client("Moscow client", city="Moscow")
        self._order(moscow, relativedelta(months=5))
        kazan = self._client("Kazan client", city="Kazan")
        self._order(kazan, relativedelta(months=5))
        archived = self._client("Archived client")
        self._order(archived, relativedelta(months=5))
        archived.active = False
        # an employee tagged by mistake is not a client
        self.user_salesperson.partner_id.category_id = [Command.link(self.tag.id)]

        campaign = self._campaign(target_preset="lapsed", lapsed_months=3)
        self.assertEqual(set(campaign._crm_target_ids()), {moscow.id, kazan.id})
        campaign.target_domain = f"[('category_id', 'in', [{self.tag.id}]), ('city', '=', 'Moscow')]"
        self.assertEqual(campaign._crm_target_ids(), [moscow.id])

        campaign.target_preset = "custom"
        campaign.target_domain = self.domain
        self.assertEqual(set(campaign._crm_target_ids()), {moscow.id, kazan.id})

    def test_invalid_client_filter_is_refused(self):
        with self.assertRaises(UserError):
            self._campaign(target_domain="[('no_such_field', '=', 1)]")


@tagged("post_install", "-at_install")
class TestCampaignGeneration(CampaignCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clients = cls.env["res.partner"]
        for index in range(5):
            cls.clients |= cls._client(f"Client {index}")

    def test_round_robin_distribution_and_idempotent_generation(self):
        campaign = self._campaign(target_preset="custom")
        campaign.action_start()
        self.assertEqual(campaign.state, "running")
        tasks = campaign.task_ids.sorted(lambda t: t.partner_id.id)
        self.assertEqual(tasks.partner_id, self.clients)
        first, second = self.user_salesperson, self.user_salesperson_2
        self.assertLess(first.id, second.id)
        self.assertEqual([task.user_id for task in tasks], [first, second, first, second, first])
        self.assertEqual(campaign.generation_state, "done")
        self.assertEqual(campaign.generation_progress, 100.0)
        self.assertIn("5 new", campaign.message_ids[0].body)

        # again: nothing new, nothing doubled
        campaign.action_generate_tasks()
        self.assertEqual(len(campaign.task_ids), 5)
        self.assertEqual(campaign.generation_done, 0)

        # a client joining the target later gets one task, the rotation goes on (second caller)
        late = self._client("Late client")
        campaign.action_generate_tasks()
        self.assertEqual(len(campaign.task_ids), 6)
        self.assertEqual(campaign.task_ids.filtered(lambda t: t.partner_id == late).user_id, second)

        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.env["crm.call.task"].create({"campaign_id": campaign.id, "partner_id": late.id})

    def test_responsible_distribution_with_round_robin_fallback(self):
        former = new_test_user(self.env, login="tk_former_sales", groups="crm_pipeline.group_crm_salesperson")
        self.clients[0].user_id = self.user_salesperson_2
        self.clients[1].user_id = former
        former.active = False
        self.clients[2].user_id = self.user_head
        campaign = self._campaign(
            target_preset="custom",
            distribution="responsible",
            caller_ids=[Command.set([self.user_salesperson.id])],
        )
        campaign.action_start()
        by_client = {task.partner_id: task.user_id for task in campaign.task_ids}
        self.assertEqual(by_client[self.clients[0]], self.user_salesperson_2, "the client's salesperson")
        self.assertEqual(by_client[self.clients[1]], self.user_salesperson, "archived salesperson: round robin")
        self.assertEqual(by_client[self.clients[2]], self.user_head)
        self.assertEqual(by_client[self.clients[3]], self.user_salesperson)
        self.assertEqual(by_client[self.clients[4]], self.user_salesperson)

    def test_generation_needs_callers(self):
        campaign = self._campaign(target_preset="custom", caller_ids=[Command.clear()])
        with self.assertRaises(UserError):
            campaign.action_start()
        self.assertEqual(campaign.state, "draft")
        self.assertFalse(campaign.task_ids)

    def test_large_target_is_generated_in_background_batches(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("crm_telephony.campaign_batch_size", "2")
        params.set_param("crm_telephony.campaign_sync_limit", "3")
        campaign = self._campaign(target_preset="custom")
        action = campaign.action_start()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual((campaign.generation_state, campaign.generation_total), ("running", 5))
        self.assertFalse(campaign.task_ids)
        self.assertEqual(campaign.generation_progress, 0.0)

        Campaign = self.env["crm.call.campaign"]
        progress = []
        for _run in range(3):
            Campaign._cron_generate_tasks()
            progress.append((len(campaign.task_ids), campaign.generation_done, campaign.generation_progress))
        self.assertEqual(progress, [(2, 2, 40.0), (4, 4, 80.0), (5, 5, 100.0)])
        self.assertEqual(campaign.generation_state, "done")
        self.assertEqual(len(campaign.task_ids.user_id), 2, "the rotation runs across batches")
        # nothing left: the cron does nothing
        Campaign._cron_generate_tasks()
        self.assertEqual(len(campaign.task_ids), 5)


@tagged("post_install", "-at_install")
class TestCallTaskResults(CampaignCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client_1 = cls._client("OOO Vega", phone="+7 915 222-33-44")
        cls.client_2 = cls._client("OOO Orion")
        cls.client_3 = cls._client("OOO Lyra")
        cls.client_4 = cls._client("OOO Deneb")

    def setUp(self):
        super().setUp()
        self.campaign = self._campaign(
            target_preset="custom",
            max_attempts=2,
            caller_ids=[Command.set([self.user_salesperson.id])],
        )
        self.campaign.action_start()
        self.tasks = {task.partner_id: task for task in self.campaign.task_ids}

    def _task(self, client, user=None):
        return self.tasks[client].with_user(user or self.user_salesperson)

    def test_not_reached_until_max_attempts(self):
        task = self._task(self.client_1)
        task.action_result_not_reached()
        self.assertEqual((task.state, task.result, task.attempt_count), ("in_progress", "not_reached", 1))
        self.assertTrue(task.date_last_attempt)
        self.assertFalse(task.date_done)
        self.assertTrue(task.is_due)
        task.action_result_not_reached()
        self.assertEqual((task.state, task.result, task.attempt_count), ("done", "not_reached", 2))
        self.assertTrue(task.date_done)
        with self.assertRaises(UserError):
            task.action_result_reached()

    def test_call_back_then_reached(self):
        task = self._task(self.client_2)
        with self.assertRaises(UserError):
            task.action_result_call_back()
        task.date_next_call = fields.Datetime.now() + timedelta(days=1)
        task.action_result_call_back()
        self.assertEqual((task.state, task.result, task.attempt_count), ("in_progress", "call_back", 1))
        self.assertFalse(task.is_due, "not before the agreed time")
        self.assertNotIn(task, task.search([("is_due", "=", True)]))
        self.assertIn(task, task.search([("is_due", "=", False)]))
        # a call back does not use up attempts "without reaching": two more results are possible
        task.action_result_reached()
        self.assertEqual((task.state, task.result, task.attempt_count), ("done", "reached", 2))
        self.assertFalse(task.date_next_call)

    def test_not_interested_and_closed_campaign(self):
        task = self._task(self.client_3)
        task.action_result_not_interested()
        self.assertEqual((task.state, task.result), ("done", "not_interested"))
        self.campaign.with_user(self.user_head).action_done()
        self.assertEqual(self.campaign.state, "done")
        self.assertEqual(task.state, "done", "a closed task keeps its result")
        self.assertEqual(self._task(self.client_4).state, "cancelled", "open tasks are cancelled")
        with self.assertRaises(UserError):
            self._task(self.client_1).action_result_reached()

    def test_create_deal_with_utm_and_campaign_statistics(self):
        task = self._task(self.client_1)
        task.note = "Needs 2 km of cable for a new warehouse"
        action = task.action_create_deal()
        lead = task.lead_id
        self.assertTrue(lead)
        self.assertEqual((action["res_model"], action["res_id"]), ("crm.lead", lead.id))
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.partner_id, self.client_1)
        self.assertEqual(lead.user_id, self.user_salesperson)
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.campaign_id, self.campaign.utm_campaign_id)
        self.assertEqual(lead.campaign_id.title, "Bring back the clients")
        self.assertEqual(lead.source_id, self.env.ref("crm_telephony.utm_source_telemarketing"))
        self.assertEqual(lead.source_id.name, "Telemarketing")
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_phone"))
        self.assertIn("2 km of cable", lead.description)
        self.assertEqual((task.state, task.result, task.attempt_count), ("done", "deal_created", 1))
        # a second click opens the same deal
        self.assertEqual(task.action_create_deal()["res_id"], lead.id)
        self.assertEqual(self.env["crm.lead"].search_count([("partner_id", "=", self.client_1.id)]), 1)

        self._task(self.client_2).action_result_reached()
        self._task(self.client_3).action_result_not_reached()
        lead.expected_revenue = 120000
        campaign = self.campaign.with_user(self.user_head)
        self.assertEqual(campaign.won_count, 0)
        lead.action_set_won()
        campaign.invalidate_recordset()
        self.assertEqual(
            (campaign.task_count, campaign.task_todo_count, campaign.task_in_progress_count, campaign.task_done_count),
            (4, 1, 1, 2),
        )
        self.assertEqual((campaign.attempted_count, campaign.reached_count, campaign.deal_count), (3, 2, 1))
        self.assertAlmostEqual(campaign.reached_rate, 200 / 3, places=2)
        self.assertAlmostEqual(campaign.conversion_rate, 50.0)
        self.assertEqual((campaign.result_deal_created_count, campaign.result_reached_count), (1, 1))
        self.assertEqual(campaign.result_not_reached_count, 1)
        self.assertEqual(campaign.won_count, 1)
        self.assertEqual(campaign.won_revenue, 120000)
        self.assertEqual(campaign.action_view_deals()["domain"], [("id", "in", lead.ids)])

        pivot = (
            self.env["crm.call.campaign.report"]
            .with_user(self.user_head)
            ._read_group([("campaign_id", "=", campaign.id)], ["result"], ["__count", "won_revenue:sum"])
        )
        self.assertEqual(
            {result: (count, revenue) for result, count, revenue in pivot},
            {"deal_created": (1, 120000), "reached": (1, 0), "not_reached": (1, 0), False: (1, 0)},
        )

    def test_calls_linked_by_client_caller_and_time(self):
        pbx = self.env["crm.pbx"].create({"name": "Office PBX", "kind": "generic"})
        contact = self.env["res.partner"].create({"name": "Ivan", "parent_id": self.client_1.id})
        task = self._task(self.client_1)
        now = fields.Datetime.now()

        def call(external_id, date_start, user=self.user_salesperson, partner=contact):
            return self.env["crm.call"].create(
                {
                    "pbx_id": pbx.id,
                    "external_id": external_id,
                    "direction": "out",
                    "partner_id": partner.id,
                    "user_id": user.id,
                    "state": "answered",
                    "date_start": date_start,
                }
            )

        during = call("c-during", now)
        call("c-other-user", now, user=self.user_salesperson_2)
        call("c-before", task.create_date - timedelta(days=1))
        call("c-other-client", now, partner=self.client_2)
        task.invalidate_recordset(["call_ids", "call_count"])
        self.assertEqual(task.call_ids, during)
        self.assertEqual(task.call_count, 1)
        task.action_result_reached()
        call("c-after", fields.Datetime.now() + timedelta(hours=1))
        task.invalidate_recordset(["call_ids", "call_count"])
        self.assertEqual(task.call_ids, during, "calls after the task closed are not linked")

    def test_call_button_without_pbx_dials_tel_link(self):
        task = self._task(self.client_1)
        action = task.action_call()
        self.assertEqual(action, {"type": "ir.actions.act_url", "url": "tel:+79152223344", "target": "new"})
        self.assertEqual(task.state, "in_progress")
        self.assertEqual(task.attempt_count, 0, "dialling is not an attempt: the result is")
        with self.assertRaises(UserError):
            self._task(self.client_2).action_call()  # no phone number


@tagged("post_install", "-at_install")
class TestCampaignRights(CampaignCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client_1 = cls._client("OOO Altair")
        cls.client_2 = cls._client("OOO Vega")
        cls.other_head = new_test_user(
            cls.env, login="tk_other_head", name="Olga Other Head", groups="crm_pipeline.group_crm_head"
        )
        cls.other_team = cls.env["crm.team"].create({"name": "Other team", "user_id": cls.other_head.id})

    def setUp(self):
        super().setUp()
        self.campaign = self._campaign(target_preset="custom")
        self.campaign.action_start()
        self.task_1 = self.campaign.task_ids.filtered(lambda t: t.user_id == self.user_salesperson)
        self.task_2 = self.campaign.task_ids.filtered(lambda t: t.user_id == self.user_salesperson_2)
        self.assertEqual((len(self.task_1), len(self.task_2)), (1, 1))

    def test_salesperson_sees_and_edits_only_own_tasks(self):
        Task = self.env["crm.call.task"].with_user(self.user_salesperson)
        self.assertEqual(Task.search([("campaign_id", "=", self.campaign.id)]), self.task_1)
        with self.assertRaises(AccessError):
            self.task_2.with_user(self.user_salesperson).read(["partner_id"])
        with self.assertRaises(AccessError):
            self.task_2.with_user(self.user_salesperson).action_result_reached()
        self.task_1.with_user(self.user_salesperson).action_result_reached()
        self.assertEqual(self.task_1.result, "reached")
        # the campaign is readable (its name, its script), not writable; tasks are not created by hand
        self.assertEqual(self.campaign.with_user(self.user_salesperson).name, "Bring back the clients")
        with self.assertRaises(AccessError):
            self.campaign.with_user(self.user_salesperson).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.env["crm.call.campaign"].with_user(self.user_salesperson).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            Task.create({"campaign_id": self.campaign.id, "partner_id": self._client("New").id})
        # the statistics a salesperson sees are their own
        self.assertEqual(self.campaign.with_user(self.user_salesperson).task_count, 1)

    def test_head_sees_the_team_tasks_only(self):
        Task = self.env["crm.call.task"]
        self.assertEqual(
            Task.with_user(self.user_head).search([("campaign_id", "=", self.campaign.id)]),
            self.task_1 | self.task_2,
        )
        self.task_2.with_user(self.user_head).user_id = self.user_salesperson
        self.assertEqual(self.task_2.user_id, self.user_salesperson)
        self.assertFalse(Task.with_user(self.other_head).search([("campaign_id", "=", self.campaign.id)]))
        self.assertEqual(self.campaign.with_user(self.other_head).task_count, 0)
        # a campaign of their own team is theirs
        own = (
            self.env["crm.call.campaign"]
            .with_user(self.other_head)
            .create(
                {
                    "name": "Other team campaign",
                    "team_id": self.other_team.id,
                    "target_preset": "custom",
                    "target_domain": self.domain,
                    "caller_ids": [Command.set(self.user_salesperson.ids)],
                }
            )
        )
        own.action_start()
        self.assertEqual(len(Task.with_user(self.other_head).search([])), 2)
        # and the head of the callers' team sees the tasks of their people
        self.assertEqual(own.with_user(self.user_head).task_count, 2)

    def test_marketer_reads_campaigns_and_analysis_not_tasks(self):
        self.task_1.with_user(self.user_salesperson).action_result_reached()
        campaign = self.campaign.with_user(self.user_marketer)
        self.assertEqual((campaign.task_count, campaign.reached_count), (2, 1))
        with self.assertRaises(AccessError):
            self.env["crm.call.task"].with_user(self.user_marketer).search([])
        with self.assertRaises(AccessError):
            campaign.write({"name": "Marketing"})


@tagged("post_install", "-at_install")
class TestCampaignTimeline(CampaignCommon):
    def test_done_tasks_on_the_client_and_deal_timeline(self):
        client = self._client("OOO Timeline")
        other = self._client("OOO Still Open")
        campaign = self._campaign(target_preset="custom", caller_ids=[Command.set(self.user_salesperson.ids)])
        campaign.action_start()
        task = campaign.task_ids.filtered(lambda t: t.partner_id == client).with_user(self.user_salesperson)
        task.action_create_deal()
        Timeline = self.env["crm.timeline"]

        def entries(user, **scope):
            feed = Timeline.with_user(user).get_timeline(kinds=["call_task"], **scope)
            return [(e["res_model"], e["res_id"], e["title"]) for e in feed["entries"]]

        expected = [("crm.call.task", task.id, "Bring back the clients: OOO Timeline (Deal Created)")]
        self.assertEqual(entries(self.user_salesperson, partner_id=client.id), expected)
        self.assertEqual(entries(self.user_salesperson, lead_id=task.lead_id.id), expected)
        self.assertEqual(entries(self.user_head, partner_id=client.id), expected)
        self.assertEqual(entries(self.user_salesperson, partner_id=other.id), [], "open tasks are not on it")
        self.assertEqual(entries(self.user_salesperson_2, partner_id=client.id), [], "someone else's task")
