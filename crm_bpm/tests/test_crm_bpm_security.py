from odoo.exceptions import AccessError
from odoo.tests import tagged, users

from .common import CrmBpmCommon


@tagged("post_install", "-at_install")
class TestCrmBpmSecurity(CrmBpmCommon):
    @users("bpm_head")
    def test_head_reads_but_does_not_change(self):
        process = self.env["crm.bpm.process"].search([("id", "=", self.process.id)])
        self.assertEqual(process.name, "Proposal approval")
        self.assertEqual(process.published_version_id.step_ids.mapped("name")[0], "Prepare the proposal")
        self.assertEqual(len(process.published_version_id.transition_ids), 4)
        with self.assertRaises(AccessError):
            process.write({"name": "Renamed by the head"})
        with self.assertRaises(AccessError):
            self.env["crm.bpm.process"].create({"name": "By the head", "model_id": self.model_lead.id})
        draft = process.sudo().version_ids[0]._copy_as_draft().with_env(self.env)
        with self.assertRaises(AccessError):
            draft.action_publish()
        with self.assertRaises(AccessError):
            draft.step_ids[0].write({"name": "Changed by the head"})
        with self.assertRaises(AccessError):
            draft.transition_ids[0].unlink()

    @users("bpm_salesperson")
    def test_salesperson_has_no_access(self):
        for model in ("crm.bpm.process", "crm.bpm.process.version", "crm.bpm.step", "crm.bpm.transition"):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].search([])
        with self.assertRaises(AccessError):
            self.env["crm.bpm.process"].browse(self.process.id).read(["name"])
        with self.assertRaises(AccessError):
            self.env["crm.bpm.process"].create({"name": "By the salesperson", "model_id": self.model_lead.id})

    @users("bpm_admin")
    def test_admin_manages(self):
        process = self.env["crm.bpm.process"].create({"name": "Contract approval", "model_id": self.model_lead.id})
        version = process.version_ids
        step = self.env["crm.bpm.step"].create(
            {
                "version_id": version.id,
                "name": "Check the contract",
                "is_start": True,
                "assignee_kind": "user",
                "user_id": self.user_head.id,
            }
        )
        step.deadline_days = 3
        version.action_publish()
        self.assertEqual(process.published_version_id, version)
        self.assertEqual(version.published_by, self.env.user)
        process.write({"name": "Contract approval with a new client", "active": False})
        self.assertFalse(process.active)
        draft = self.env["crm.bpm.process"].create({"name": "Throwaway", "model_id": self.model_lead.id})
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_multi_company_isolation(self):
        process_2 = self._create_process(self.env(user=self.user_admin_2), "Second company process")
        self.assertEqual(process_2.company_id, self.company_2)
        process_2.version_ids.action_publish()

        env_1 = self.env(user=self.user_admin)
        Process_1 = env_1["crm.bpm.process"]
        self.assertIn(self.process, Process_1.search([]))
        self.assertNotIn(process_2, Process_1.search([]))
        for model in ("crm.bpm.process.version", "crm.bpm.step", "crm.bpm.transition"):
            self.assertFalse(env_1[model].search([("process_id", "=", process_2.id)]), model)
        with self.assertRaises(AccessError):
            Process_1.browse(process_2.id).read(["name"])
        with self.assertRaises(AccessError):
            env_1["crm.bpm.step"].browse(process_2.version_ids.step_ids[0].id).read(["name"])

        env_2 = self.env(user=self.user_admin_2)
        self.assertEqual(env_2["crm.bpm.process"].search([("name", "like", "process")]), process_2)
        self.assertNotIn(self.process, env_2["crm.bpm.process"].search([]))

        # a process without a company is shared
        shared = Process_1.create({"name": "Shared", "model_id": self.model_lead.id, "company_id": False})
        self.assertIn(shared, env_2["crm.bpm.process"].search([]))
        self.assertEqual(env_2["crm.bpm.process"].browse(shared.id).version_ids.number, 1)
