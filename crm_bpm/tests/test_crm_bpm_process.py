from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CrmBpmCommon


@tagged("post_install", "-at_install")
class TestCrmBpmProcess(CrmBpmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env_admin = cls.env(user=cls.user_admin)
        cls.Process = cls.env_admin["crm.bpm.process"]
        cls.Step = cls.env_admin["crm.bpm.step"]
        cls.Transition = cls.env_admin["crm.bpm.transition"]

    def _frozen_message(self, version):
        return f"Version {version.number} of the process “{version.process_id.name}” is"

    # ------------------------------------------------------------------
    # Publishing
    # ------------------------------------------------------------------

    def test_new_process_starts_with_draft_version_1(self):
        process = self.Process.create({"name": "Client onboarding", "model_id": self.model_lead.id})
        self.assertEqual(len(process.version_ids), 1)
        self.assertEqual(process.version_ids.number, 1)
        self.assertEqual(process.version_ids.state, "draft")
        self.assertEqual(process.draft_version_id, process.version_ids)
        self.assertFalse(process.published_version_id)
        self.assertEqual(process.version_count, 1)
        self.assertEqual(process.company_id, self.company)

    def test_publish_flow(self):
        process = self._create_process(self.env_admin, "Discount approval")
        version = process.version_ids
        self.assertEqual(version.state, "draft")
        version.action_publish()
        self.assertEqual(version.state, "published")
        self.assertEqual(version.published_by, self.user_admin)
        self.assertTrue(version.published_on)
        self.assertEqual(process.published_version_id, version)
        self.assertFalse(process.draft_version_id)
        # the sample process of the common class was published in setUpClass too
        self.assertEqual(self.process.published_version_id, self.version)
        self.assertEqual(self.version.state, "published")
        with self.assertRaisesRegex(UserError, "not a draft"):
            version.action_publish()

    def test_publish_v2_archives_v1(self):
        v1 = self.version
        v2 = self.env_admin["crm.bpm.process.version"].browse(v1.action_new_version()["res_id"])
        self.assertEqual(self.process.published_version_id, v1, "a draft does not replace the published version")
        v2.action_publish()
        self.assertEqual(v1.state, "archived")
        self.assertEqual(v2.state, "published")
        self.assertEqual(self.process.published_version_id, v2)
        self.assertEqual(self.process.version_ids.filtered(lambda v: v.state == "published"), v2)
        # v1's published stamp is kept
        self.assertEqual(v1.published_by, self.user_admin)

    def test_publish_requires_a_step(self):
        process = self.Process.create({"name": "Empty", "model_id": self.model_lead.id})
        with self.assertRaisesRegex(UserError, "Version 1 of the process “Empty” cannot be published") as caught:
            process.version_ids.action_publish()
        self.assertIn("The version has no step.", str(caught.exception))
        self.assertEqual(process.version_ids.state, "draft")

    def test_publish_requires_exactly_one_start_step(self):
        process = self._create_process(self.env_admin, "Two starts")
        version = process.version_ids
        approve = version.step_ids.filtered(lambda s: s.kind == "approval")
        approve.is_start = True
        with self.assertRaisesRegex(UserError, "Only one step can be the start step") as caught:
            version.action_publish()
        self.assertIn("Prepare the proposal", str(caught.exception))
        self.assertIn("Approve the proposal", str(caught.exception))
        version.step_ids.is_start = False
        with self.assertRaisesRegex(UserError, "No step is marked as the start step"):
            version.action_publish()
        self.assertEqual(version.state, "draft")
        approve.is_start = True
        version.action_publish()
        self.assertEqual(version.state, "published")

    def test_publish_checks_assignees_outcomes_and_conditions(self):
        process = self._create_process(self.env_admin, "Incomplete")
        version = process.version_ids
        approve = version.step_ids.filtered(lambda s: s.kind == "approval")
        robot = version.step_ids.filtered(lambda s: s.kind == "robot")
        approve.group_id = False
        robot.robot_condition = "[('no_such_field', '=', 1)]"
        self.Transition.create(
            {
                "version_id": version.id,
                "from_step_id": version.step_ids.filtered("is_start").id,
                "to_step_id": robot.id,
                "outcome": "approved",
            }
        )
        with self.assertRaises(UserError) as caught:
            version.action_publish()
        message = str(caught.exception)
        self.assertIn("“Approve the proposal” is assigned to a group but no group is chosen", message)
        self.assertIn("The condition of the robot step “Wait for the deal to be won” is invalid", message)
        self.assertIn("expects an approval outcome but leaves a step that is not an approval", message)

    def test_state_cannot_go_back_to_draft(self):
        with self.assertRaisesRegex(UserError, "cannot go from Published to Draft"):
            self.version.write({"state": "draft"})
        with self.assertRaisesRegex(UserError, "always a draft"):
            self.env_admin["crm.bpm.process.version"].create({"process_id": self.process.id, "state": "published"})
        self.version.action_archive_version()
        self.assertEqual(self.version.state, "archived")
        self.assertFalse(self.process.published_version_id)
        with self.assertRaisesRegex(UserError, "cannot go from Archived to Published"):
            self.version.write({"state": "published"})

    def test_only_one_published_version_per_process(self):
        v2 = self.version._copy_as_draft()
        # bypassing action_publish (which archives the previous one) is refused
        with self.assertRaises(ValidationError), self.cr.savepoint():
            v2.write({"state": "published"})

    # ------------------------------------------------------------------
    # Immutability
    # ------------------------------------------------------------------

    def test_published_version_is_immutable(self):
        version = self.version.with_env(self.env_admin)
        message = self._frozen_message(version)
        self.assertEqual(message, "Version 1 of the process “Proposal approval” is")
        step = self.step_approve.with_env(self.env_admin)
        transition = version.transition_ids[0]
        with self.assertRaisesRegex(UserError, message + " published and cannot be changed"):
            step.write({"name": "Approve quickly"})
        with self.assertRaisesRegex(UserError, message):
            step.unlink()
        with self.assertRaisesRegex(UserError, message):
            self.Step.create({"version_id": version.id, "name": "Sneaked in"})
        with self.assertRaisesRegex(UserError, message):
            transition.write({"outcome": "rejected"})
        with self.assertRaisesRegex(UserError, message):
            transition.unlink()
        with self.assertRaisesRegex(UserError, message):
            self.Transition.create(
                {"version_id": version.id, "from_step_id": step.id, "to_step_id": step.id, "outcome": "rejected"}
            )
        with self.assertRaisesRegex(UserError, message):
            version.write({"note": "Changed afterwards"})
        with self.assertRaisesRegex(UserError, message):
            version.write({"step_ids": [Command.create({"name": "Sneaked in"})]})
        with self.assertRaisesRegex(UserError, message):
            version.write({"state": "published", "published_by": self.user_head.id})
        with self.assertRaisesRegex(UserError, message):
            version.unlink()
        with self.assertRaisesRegex(UserError, "has published versions and cannot be deleted"):
            self.process.with_env(self.env_admin).unlink()
        # a draft step moved into the published version is refused as well
        draft = self.Process.create({"name": "Other", "model_id": self.model_lead.id}).version_ids
        draft_step = self.Step.create({"version_id": draft.id, "name": "Draft step"})
        with self.assertRaisesRegex(UserError, message):
            draft_step.write({"version_id": version.id})
        # nothing changed
        self.assertEqual(self.step_approve.name, "Approve the proposal")
        self.assertEqual(len(version.step_ids), 4)
        self.assertEqual(len(version.transition_ids), 4)
        self.assertFalse(version.note)
        self.assertEqual(version.published_by, self.user_admin)

    def test_archived_version_is_immutable(self):
        self.version.action_archive_version()
        with self.assertRaisesRegex(UserError, self._frozen_message(self.version) + " archived and cannot be changed"):
            self.step_prepare.with_env(self.env_admin).write({"deadline_days": 5})
        with self.assertRaisesRegex(UserError, self._frozen_message(self.version) + " archived"):
            self.version.with_env(self.env_admin).write({"note": "Too late"})

    def test_draft_is_editable(self):
        process = self._create_process(self.env_admin, "Editable")
        version = process.version_ids
        step = version.step_ids[0]
        step.name = "Renamed"
        version.note = "Work in progress"
        version.transition_ids[0].unlink()
        step.unlink()
        self.assertEqual(len(version.step_ids), 3)
        self.assertEqual(version.note, "Work in progress")
        # deleting a step deletes the transitions that used it (here: the rework back to it)
        self.assertEqual(
            sorted(version.transition_ids.mapped("outcome")),
            ["approved", "automatic"],
        )

    def test_model_cannot_change_once_published(self):
        partner_model = self.env["ir.model"]._get("res.partner")
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.process.with_env(self.env_admin).write({"model_id": partner_model.id})
        draft_only = self.Process.create({"name": "Draft only", "model_id": self.model_lead.id})
        draft_only.model_id = partner_model
        self.assertEqual(draft_only.model, "res.partner")

    def test_model_restricted_to_process_models(self):
        with self.assertRaisesRegex(ValidationError, "cannot accompany"):
            self.Process.create({"name": "Taxes", "model_id": self.env["ir.model"]._get("account.tax").id})
        for model in ("crm.lead", "res.partner", "sale.order"):
            process = self.Process.create({"name": model, "model_id": self.env["ir.model"]._get(model).id})
            self.assertEqual(process.model, model)
        field = self.Process._fields["model_id"]
        domain = field.get_domain_list(self.Process)
        allowed = self.env["ir.model"].search(domain).mapped("model")
        self.assertCountEqual(allowed, ["crm.lead", "res.partner", "sale.order"])

    # ------------------------------------------------------------------
    # New version
    # ------------------------------------------------------------------

    def test_new_version_copies_steps_and_transitions(self):
        action = self.version.with_env(self.env_admin).action_new_version()
        v2 = self.env_admin["crm.bpm.process.version"].browse(action["res_id"])
        self.assertEqual(action["res_model"], "crm.bpm.process.version")
        self.assertEqual(v2.process_id, self.process)
        self.assertEqual(v2.number, 2)
        self.assertEqual(v2.state, "draft")
        self.assertFalse(v2.published_on)
        self.assertFalse(v2.published_by)
        self.assertEqual(self.process.draft_version_id, v2)
        self.assertEqual(self.process.version_count, 2)

        old_steps = self.version.step_ids.sorted()
        new_steps = v2.step_ids.sorted()
        self.assertEqual(len(new_steps), 4)
        self.assertFalse(new_steps & old_steps)
        for old, new in zip(old_steps, new_steps, strict=True):
            for fname in ("name", "sequence", "kind", "is_start", "assignee_kind", "user_id", "group_id"):
                self.assertEqual(new[fname], old[fname], fname)
            for fname in ("assignee_field_id", "deadline_days", "robot_condition"):
                self.assertEqual(new[fname], old[fname], fname)

        self.assertEqual(len(v2.transition_ids), 4)
        self.assertEqual(v2.transition_ids.from_step_id | v2.transition_ids.to_step_id, new_steps)
        self.assertEqual(
            sorted((t.from_step_id.name, t.to_step_id.name, t.outcome, t.condition or "") for t in v2.transition_ids),
            sorted(
                (t.from_step_id.name, t.to_step_id.name, t.outcome, t.condition or "")
                for t in self.version.transition_ids
            ),
        )
        # the copy is editable, the original is untouched
        v2.step_ids[0].name = "Prepare the proposal and the contract"
        self.assertEqual(self.step_prepare.name, "Prepare the proposal")
        self.assertEqual(self.version.transition_ids.from_step_id | self.version.transition_ids.to_step_id, old_steps)

    def test_new_version_numbering_and_single_draft(self):
        v2 = self.version._copy_as_draft()
        with self.assertRaisesRegex(UserError, "already has a draft: version 2"):
            self.version.action_new_version()
        v2.action_publish()
        v3 = self.env_admin["crm.bpm.process.version"].browse(self.version.action_new_version()["res_id"])
        self.assertEqual(v3.number, 3, "numbers follow the highest version, whatever version is copied")
        versions = self.env_admin["crm.bpm.process.version"].search([("process_id", "=", self.process.id)])
        self.assertEqual(versions.mapped("number"), [3, 2, 1])
        self.assertEqual(versions.mapped("state"), ["draft", "published", "archived"])

    def test_process_new_version_button(self):
        action = self.process.with_env(self.env_admin).action_open_draft()
        v2 = self.env_admin["crm.bpm.process.version"].browse(action["res_id"])
        self.assertEqual((v2.number, v2.state), (2, "draft"))
        # a second click opens the same draft
        self.assertEqual(self.process.with_env(self.env_admin).action_open_draft()["res_id"], v2.id)

    # ------------------------------------------------------------------
    # Transitions and steps
    # ------------------------------------------------------------------

    def test_transition_steps_must_belong_to_its_version(self):
        process = self._create_process(self.env_admin, "Draft")
        draft = process.version_ids
        other = self.Process.create({"name": "Other", "model_id": self.model_lead.id}).version_ids
        foreign_step = self.Step.create({"version_id": other.id, "name": "Foreign"})
        with self.assertRaisesRegex(ValidationError, "must connect two steps of Draft, version 1"):
            self.Transition.create(
                {
                    "version_id": draft.id,
                    "from_step_id": draft.step_ids[0].id,
                    "to_step_id": foreign_step.id,
                    "outcome": "done",
                }
            )

    def test_assignee_field_must_be_a_user_field_of_the_model(self):
        process = self.Process.create({"name": "Fields", "model_id": self.model_lead.id})
        with self.assertRaisesRegex(ValidationError, "user field"):
            self.Step.create(
                {
                    "version_id": process.version_ids.id,
                    "name": "Wrong field",
                    "assignee_kind": "field",
                    "assignee_field_id": self.env["ir.model.fields"]._get("crm.lead", "partner_id").id,
                }
            )

    def test_display_names(self):
        self.assertEqual(self.version.display_name, "Proposal approval, version 1")
        rework = self.version.transition_ids.filtered(lambda t: t.outcome == "rework")
        self.assertEqual(rework.display_name, "Approve the proposal → Prepare the proposal (Returned for rework)")
