from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import CrmPipelineCommon


class DealTypeCommon(CrmPipelineCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quick = cls.env.ref("crm_pipeline.crm_deal_type_quick")
        cls.long = cls.env.ref("crm_pipeline.crm_deal_type_long")
        cls.repeat = cls.env.ref("crm_pipeline.crm_deal_type_repeat")
        cls.won_stage = cls.env.ref("crm.stage_lead4")
        cls.quick_stages = cls.quick._crm_pipeline_open_stages()
        cls.long_stages = cls.long._crm_pipeline_open_stages()
        cls.team.deal_type_id = cls.quick

    def _new_deal(self, user=None, **values):
        vals = {"name": "Cables for the warehouse", "type": "opportunity", "team_id": self.team.id}
        vals.update(values)
        user = user or self.user_salesperson
        vals.setdefault("user_id", user.id)
        return self.env["crm.lead"].with_user(user).create(vals)


@tagged("post_install", "-at_install")
class TestDealType(DealTypeCommon):
    def test_seeded_types_and_ordered_stages(self):
        self.assertEqual(self.quick_stages.mapped("name"), ["Incoming request", "Meeting", "Proposal"])
        self.assertEqual(
            self.long_stages.mapped("name"),
            ["Incoming request", "Qualification", "Meetings", "Proposal", "Tender", "Contract"],
        )
        self.assertTrue(self.repeat.is_repeat_sale)
        for deal_type in self.quick | self.long | self.repeat:
            self.assertEqual(deal_type.stage_ids[-1], self.won_stage, "each type ends with the shared Won stage")
        # order follows crm.stage.sequence: resequencing a stage reorders the type
        self.quick_stages[0].sequence = 99
        self.quick.invalidate_recordset(["stage_ids"])
        self.assertEqual(self.quick._crm_pipeline_open_stages()[-1].name, "Incoming request")

    def test_new_deal_gets_team_type_and_first_stage(self):
        deal = self._new_deal()
        self.assertEqual(deal.deal_type_id, self.quick, "default deal type comes from the team")
        self.assertEqual(deal.stage_id, self.quick_stages[0])
        deal_long = self._new_deal(deal_type_id=self.long.id)
        self.assertEqual(deal_long.stage_id, self.long_stages[0], "an explicit type wins over the team's")
        untyped_team = self.env["crm.team"].create({"name": "No type team"})
        untyped = self._new_deal(team_id=untyped_team.id)
        self.assertFalse(untyped.deal_type_id)
        self.assertFalse(untyped.stage_id.deal_type_ids, "deals without a type keep Odoo's own stages")

    def test_type_change_maps_same_position(self):
        deal = self._new_deal(stage_id=self.quick_stages[2].id)  # Proposal, index 2
        deal.with_user(self.user_salesperson).deal_type_id = self.long
        self.assertEqual(deal.stage_id, self.long_stages[2], "same index in the new type (Meetings)")
        deal.stage_id = self.long_stages[5]  # Contract, index 5
        deal.deal_type_id = self.quick
        self.assertEqual(deal.stage_id, self.quick_stages[-1], "clamped to the last non-won stage")
        deal.action_set_won()
        self.assertEqual(deal.stage_id, self.won_stage)
        deal.deal_type_id = self.repeat
        self.assertEqual(deal.stage_id, self.won_stage, "a won deal keeps a won stage")
        self.assertEqual(deal.probability, 100)

    def test_type_change_mass_write(self):
        deals = self._new_deal(stage_id=self.quick_stages[0].id) | self._new_deal(stage_id=self.quick_stages[1].id)
        deals.write({"deal_type_id": self.long.id})
        self.assertEqual(deals.mapped("stage_id"), self.long_stages[:2])

    def test_type_change_in_form(self):
        deal = self._new_deal(stage_id=self.quick_stages[1].id)
        with Form(deal.with_user(self.user_salesperson)) as form:
            form.deal_type_id = self.long
            self.assertEqual(form.stage_id, self.long_stages[1], "the form shows the mapped stage before saving")
        self.assertEqual(deal.stage_id, self.long_stages[1])

    def test_kanban_columns_of_the_viewed_type(self):
        Lead = self.env["crm.lead"].with_user(self.user_salesperson)
        self._new_deal(deal_type_id=self.long.id)
        domain = [("type", "=", "opportunity"), ("deal_type_id", "=", self.long.id)]
        groups = Lead.web_read_group(domain, ["stage_id"], ["stage_id"])["groups"]
        self.assertEqual([group["stage_id"][0] for group in groups], self.long.stage_ids.ids)
        groups = (
            Lead.with_context(default_deal_type_id=self.quick.id)
            .web_read_group([("type", "=", "opportunity"), ("id", "=", 0)], ["stage_id"], ["stage_id"])
            .get("groups")
        )
        self.assertEqual([group["stage_id"][0] for group in groups], self.quick.stage_ids.ids)
        # without a type: Odoo's columns, without the stages that only deal types use
        groups = Lead.web_read_group([("type", "=", "opportunity"), ("id", "=", 0)], ["stage_id"], ["stage_id"])[
            "groups"
        ]
        stage_ids = [group["stage_id"][0] for group in groups]
        self.assertIn(self.won_stage.id, stage_ids)
        self.assertFalse(set(stage_ids) & set(self.long_stages.ids))

    def test_admin_configures_others_read(self):
        self.env["crm.deal.type"].with_user(self.user_crm_admin).create(
            {"name": "Service contract", "stage_ids": [fields.Command.link(self.won_stage.id)]}
        )
        self.assertEqual(self.quick.with_user(self.user_salesperson).name, "Quick sale")
        with self.assertRaises(AccessError):
            self.quick.with_user(self.user_head).write({"name": "Renamed"})
