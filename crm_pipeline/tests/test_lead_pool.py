import random
import threading
import time
from datetime import timedelta

import psycopg2.errors

import odoo
from odoo import fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CrmPipelineCommon


@tagged("post_install", "-at_install")
class TestLeadPool(CrmPipelineCommon):
    """The team's pool of unassigned leads, Take, and the first response escalation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_team = cls.env["crm.team"].create(
            {"name": "Other Team", "user_id": cls.user_crm_admin.id, "member_ids": [cls.user_crm_admin.id]}
        )
        Lead = cls.env["crm.lead"]
        cls.pool_lead = Lead.create({"name": "Pool lead", "type": "lead", "user_id": False, "team_id": cls.team.id})
        cls.other_pool_lead = Lead.create(
            {"name": "Other pool", "type": "lead", "user_id": False, "team_id": cls.other_team.id}
        )
        cls.assigned_lead = Lead.create(
            {"name": "Assigned", "type": "lead", "user_id": cls.user_salesperson_2.id, "team_id": cls.team.id}
        )

    def test_pool_shows_unassigned_leads_of_my_teams(self):
        for user in (self.user_salesperson, self.user_head):
            with self.subTest(user=user.login):
                pool = self.env["crm.lead"].with_user(user).search([("is_in_my_pool", "=", True)])
                self.assertIn(self.pool_lead, pool)
                self.assertNotIn(self.other_pool_lead, pool)
                self.assertNotIn(self.assigned_lead, pool)
                self.assertTrue(self.pool_lead.with_user(user).is_in_my_pool)
        # the action of the menu uses that domain and is reachable by a salesperson
        action = (
            self.env["ir.actions.act_window"]
            .with_user(self.user_salesperson)
            ._for_xml_id("crm_pipeline.crm_lead_pool_action")
        )
        self.assertEqual(action["domain"], "[('is_in_my_pool', '=', True)]")
        menu = self.env.ref("crm_pipeline.crm_lead_pool_menu")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.user_salesperson)._visible_menu_ids())
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(self.user_marketer)._visible_menu_ids())

    def test_take(self):
        """One salesperson takes the lead; the second gets told who has it."""
        lead = self.pool_lead.with_user(self.user_salesperson)
        action = lead.action_take()
        self.assertEqual(action["res_id"], lead.id)
        self.assertEqual(self.pool_lead.user_id, self.user_salesperson)
        self.assertTrue(self.pool_lead.first_response_date)
        self.assertTrue(self.pool_lead.date_open)
        self.assertIn("Taken from the lead pool by Sasha Salesperson", self.pool_lead.message_ids[0].body)
        self.assertFalse(self.pool_lead.with_user(self.user_salesperson).is_in_my_pool)
        with self.assertRaisesRegex(UserError, "already been taken by Sasha Salesperson"):
            self.pool_lead.with_user(self.user_salesperson_2).action_take()
        self.assertEqual(self.pool_lead.user_id, self.user_salesperson)

    def test_take_other_team_refused(self):
        with self.assertRaisesRegex(UserError, "not a member"):
            self.other_pool_lead.with_user(self.user_salesperson).action_take()
        self.assertFalse(self.other_pool_lead.user_id)

    def test_rule_based_assignment_still_available(self):
        """Odoo's assignment rules hand pool leads out; being assigned is not a response."""
        only_this = f"[('id', '=', {self.pool_lead.id})]"  # keep other leads of the database out of it
        self.team.assignment_domain = only_this
        self.team.crm_team_member_ids.write({"assignment_max": 30, "assignment_domain": only_this})
        self.team.with_user(self.user_crm_admin).action_assign_leads()
        self.assertIn(self.pool_lead.user_id, self.user_salesperson | self.user_salesperson_2)
        self.assertFalse(self.pool_lead.first_response_date)

    def test_escalation_once(self):
        """Overdue unanswered leads give the team leader exactly one activity, however often the job runs."""
        Lead = self.env["crm.lead"]
        overdue = Lead.create({"name": "Waiting", "type": "lead", "user_id": False, "team_id": self.team.id})
        answered = Lead.create({"name": "Answered", "type": "lead", "user_id": False, "team_id": self.team.id})
        answered.with_user(self.user_salesperson).action_take()
        not_yet = Lead.create({"name": "Fresh", "type": "lead", "user_id": False, "team_id": self.team.id})
        past = fields.Datetime.now() - timedelta(minutes=5)
        (overdue | answered).write({"response_deadline": past})
        self.assertTrue(overdue.is_response_overdue)
        self.assertIn(overdue, Lead.search([("is_response_overdue", "=", True)]))

        activity_type = self.env.ref("crm_pipeline.mail_activity_type_overdue_first_response")
        cron = self.env.ref("crm_pipeline.ir_cron_crm_lead_escalate_first_response")
        self.assertEqual((cron.interval_number, cron.interval_type), (15, "minutes"))
        for _run in range(2):
            cron.method_direct_trigger()

        def escalations(lead):
            return lead.activity_ids.filtered(lambda act: act.activity_type_id == activity_type)

        self.assertEqual(len(escalations(overdue)), 1)
        self.assertEqual(escalations(overdue).user_id, self.user_head)
        self.assertTrue(overdue.sla_escalated)
        self.assertFalse(escalations(answered))
        self.assertFalse(escalations(not_yet))
        # the head sees it among their activities
        mine = self.env["mail.activity"].with_user(self.user_head).search([("user_id", "=", self.user_head.id)])
        self.assertIn(escalations(overdue), mine)


@tagged("post_install", "-at_install")
class TestLeadPoolConcurrency(BaseCase):
    """Two salespeople press Take at the same moment, on two database connections."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls._cleanup_committed)
        cls.ids = {}
        # committed data: the test's own transaction would be invisible to the other connections
        with cls.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            users = env["res.users"]
            for login, name in (("crm_race_1", "Rita Racer"), ("crm_race_2", "Roman Racer")):
                users |= new_test_user(env, login=login, name=name, groups="crm_pipeline.group_crm_salesperson")
            team = env["crm.team"].create({"name": "Race Team", "member_ids": users.ids})
            lead = env["crm.lead"].create({"name": "Race lead", "type": "lead", "user_id": False, "team_id": team.id})
            cls.ids = {"users": users.ids, "team": team.id, "lead": lead.id}

    def _env(self, cr, uid):
        # Environment() would look the registry up with Registry(dbname), whose lock the test
        # runner's thread holds during post-install tests: hand this thread's cursor the registry.
        cr.transaction = odoo.api.Transaction(self.registry)
        return odoo.api.Environment(cr, uid, {})

    def _call_with_retry(self, env, func):
        """What Odoo's RPC layer (odoo.service.model.retrying) does with a call: on a serialization
        failure roll back and run it again on a fresh snapshot. (retrying itself resets the
        environment through Registry(dbname), which the test runner's lock would block.)"""
        for _attempt in range(5):
            try:
                result = func()
                env.cr.flush()
                return result
            except psycopg2.errors.SerializationFailure:
                env.cr.rollback()
                env.invalidate_all()
                time.sleep(random.uniform(0.0, 0.5))
        raise AssertionError("still conflicting after 5 attempts")

    @classmethod
    def _cleanup_committed(cls):
        if not cls.ids:
            return
        with cls.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env["crm.lead"].with_context(active_test=False).browse(cls.ids["lead"]).unlink()
            env["crm.team"].browse(cls.ids["team"]).unlink()
            users = env["res.users"].browse(cls.ids["users"])
            partners = users.partner_id
            users.unlink()
            partners.unlink()

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_concurrent_take(self):
        barrier = threading.Barrier(2)
        results = {}

        def take(user_id):
            with self.registry.cursor() as cr:
                env = self._env(cr, user_id)
                lead = env["crm.lead"].browse(self.ids["lead"])
                try:
                    lead.read(["user_id"])  # both start while the lead is still free
                    barrier.wait(timeout=10)
                    self._call_with_retry(env, lead.action_take)
                    # a real second connection: its work must be committed to be seen
                    cr.commit()  # pylint: disable=invalid-commit
                    results[user_id] = "taken"
                except Exception as error:  # reported by the assertions below
                    cr.rollback()
                    results[user_id] = f"{type(error).__name__}: {error}"

        threads = [threading.Thread(target=take, args=(uid,)) for uid in self.ids["users"]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        self.assertEqual(len(results), 2, results)
        winners = [uid for uid, result in results.items() if result == "taken"]
        self.assertEqual(len(winners), 1, results)
        (loser,) = set(results) - set(winners)
        with self.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            lead = env["crm.lead"].browse(self.ids["lead"])
            self.assertEqual(lead.user_id.id, winners[0])
            self.assertEqual(results[loser], f"UserError: This lead has already been taken by {lead.user_id.name}.")
            notes = lead.message_ids.filtered(lambda m: "Taken from the lead pool" in (m.body or ""))
            self.assertEqual(len(notes), 1)
