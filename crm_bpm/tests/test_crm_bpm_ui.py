from odoo.tests import HttpCase, tagged

from .common import CrmBpmCommon


@tagged("post_install", "-at_install")
class TestCrmBpmUi(HttpCase, CrmBpmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_admin.tour_enabled = False

    def test_process_designer_tour(self):
        self.start_tour("/odoo", "crm_bpm_process_designer_tour", login="bpm_admin")
        process = self.env["crm.bpm.process"].search([("name", "=", "Tour contract approval")])
        self.assertEqual(len(process), 1)
        self.assertEqual(process.model, "crm.lead")
        v1, v2 = process.version_ids.sorted("number")
        self.assertEqual((v1.number, v1.state), (1, "published"))
        self.assertEqual(v1.published_by, self.user_admin)
        self.assertEqual(process.published_version_id, v1)
        self.assertEqual((v2.number, v2.state), (2, "draft"))
        self.assertEqual(v1.step_ids.mapped("name"), ["Check the contract", "Approve the contract"])
        self.assertEqual(v1.step_ids.filtered("is_start").name, "Check the contract")
        self.assertEqual(v2.step_ids.mapped("name"), v1.step_ids.mapped("name"))
        self.assertEqual(len(v2.transition_ids), 1)
        self.assertEqual(v2.transition_ids.from_step_id.name, "Check the contract")
        self.assertEqual(v2.transition_ids.to_step_id.name, "Approve the contract")
        self.assertEqual(v2.transition_ids.from_step_id.version_id, v2)
