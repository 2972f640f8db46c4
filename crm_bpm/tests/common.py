from odoo.tests import TransactionCase, new_test_user


class CrmBpmCommon(TransactionCase):
    """Users of each role and a sample published process, for crm_bpm and the
    addons built on it.

    ``cls.process`` accompanies deals (``crm.lead``) and has one published
    version, ``cls.version``: prepare the proposal (start step, assigned to the
    deal's salesperson) → approve it (head of sales group; "rework" goes back
    to the first step) → notify the salesperson's manager → a robot step that
    waits for the deal to be won.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.company = cls.env.company
        cls.company_2 = cls.env["res.company"].create({"name": "BPM Second Company"})

        cls.user_salesperson = new_test_user(
            cls.env,
            login="bpm_salesperson",
            name="Sam Salesperson",
            groups="base.group_user,crm_pipeline.group_crm_salesperson",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.user_head = new_test_user(
            cls.env,
            login="bpm_head",
            name="Helen Head",
            groups="base.group_user,crm_pipeline.group_crm_head",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.user_admin = new_test_user(
            cls.env,
            login="bpm_admin",
            name="Adam Administrator",
            groups="base.group_user,crm_pipeline.group_crm_admin",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.user_admin_2 = new_test_user(
            cls.env,
            login="bpm_admin_2",
            name="Olga Administrator",
            groups="base.group_user,crm_pipeline.group_crm_admin",
            company_id=cls.company_2.id,
            company_ids=[cls.company_2.id],
        )

        cls.model_lead = cls.env["ir.model"]._get("crm.lead")
        cls.field_lead_user = cls.env["ir.model.fields"]._get("crm.lead", "user_id")
        cls.group_head = cls.env.ref("crm_pipeline.group_crm_head")

        cls.process = cls._create_process(cls.env(user=cls.user_admin), "Proposal approval")
        cls.version = cls.process.version_ids
        cls.version.action_publish()
        cls.step_prepare, cls.step_approve, cls.step_notify, cls.step_won = cls.version.step_ids.sorted()

    @classmethod
    def _create_process(cls, env, name, company=None):
        """Create a process on deals with a complete draft version 1 (not published)."""
        process = env["crm.bpm.process"].create(
            {
                "name": name,
                "model_id": cls.model_lead.id,
                "company_id": (company or env.company).id,
            }
        )
        version = process.version_ids
        prepare, approve, notify, won = env["crm.bpm.step"].create(
            [
                {
                    "version_id": version.id,
                    "sequence": 1,
                    "name": "Prepare the proposal",
                    "kind": "task",
                    "is_start": True,
                    "assignee_kind": "field",
                    "assignee_field_id": cls.field_lead_user.id,
                    "deadline_days": 2,
                },
                {
                    "version_id": version.id,
                    "sequence": 2,
                    "name": "Approve the proposal",
                    "kind": "approval",
                    "assignee_kind": "group",
                    "group_id": cls.group_head.id,
                    "deadline_days": 1,
                },
                {
                    "version_id": version.id,
                    "sequence": 3,
                    "name": "Tell the salesperson",
                    "kind": "notification",
                    "assignee_kind": "manager",
                    "assignee_field_id": cls.field_lead_user.id,
                },
                {
                    "version_id": version.id,
                    "sequence": 4,
                    "name": "Wait for the deal to be won",
                    "kind": "robot",
                    "assignee_kind": False,
                    "robot_condition": "[('probability', '=', 100)]",
                },
            ]
        )
        env["crm.bpm.transition"].create(
            [
                {"version_id": version.id, "from_step_id": prepare.id, "to_step_id": approve.id, "outcome": "done"},
                {
                    "version_id": version.id,
                    "from_step_id": approve.id,
                    "to_step_id": notify.id,
                    "outcome": "approved",
                },
                {
                    "version_id": version.id,
                    "from_step_id": approve.id,
                    "to_step_id": prepare.id,
                    "outcome": "rework",
                },
                {
                    "version_id": version.id,
                    "from_step_id": notify.id,
                    "to_step_id": won.id,
                    "outcome": "automatic",
                    "condition": "[('expected_revenue', '>', 0)]",
                },
            ]
        )
        return process
