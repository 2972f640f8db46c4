from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import safe_eval


class CrmBpmStep(models.Model):
    """A step of a process version: a task for a person, an approval, a robot
    that advances by itself when its condition holds, or a notification."""

    _name = "crm.bpm.step"
    _inherit = ["crm.bpm.version.part"]
    _description = "Business Process Step"
    _order = "version_id, sequence, id"

    version_id = fields.Many2one(
        "crm.bpm.process.version", string="Version", required=True, ondelete="cascade", index=True
    )
    process_id = fields.Many2one(related="version_id.process_id", store=True, index=True)
    company_id = fields.Many2one(related="version_id.company_id", store=True, index=True)
    model_id = fields.Many2one(related="version_id.process_id.model_id")
    model = fields.Char(related="version_id.process_id.model")
    state = fields.Selection(related="version_id.state", string="Version Status")
    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    kind = fields.Selection(
        [
            ("task", "Human task"),
            ("approval", "Approval"),
            ("robot", "Robot"),
            ("notification", "Notification"),
        ],
        required=True,
        default="task",
        help="Human task: someone does the work and marks it done.\n"
        "Approval: someone approves, rejects or returns for rework.\n"
        "Robot: advances by itself when its condition holds.\n"
        "Notification: informs the assignee and moves on.",
    )
    is_start = fields.Boolean(string="Start Step", help="The step an instance of the process begins with.")
    assignee_kind = fields.Selection(
        [
            ("user", "User"),
            ("group", "Group"),
            ("field", "Field of the record"),
            ("manager", "Manager of the record's salesperson"),
        ],
        string="Assignee",
        default="user",
        help="User: a given user.\n"
        "Group: any member of a group.\n"
        "Field of the record: the user in a field of the record (e.g. its salesperson).\n"
        "Manager of the record's salesperson: the leader of the sales team of the user in the chosen field.",
    )
    user_id = fields.Many2one("res.users", string="User", domain=[("share", "=", False)])
    group_id = fields.Many2one("res.groups", string="Group")
    assignee_field_id = fields.Many2one(
        "ir.model.fields",
        string="Field",
        ondelete="set null",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), ('relation', '=', 'res.users')]",
        help="The field of the record holding the user (for a manager: the salesperson whose manager is assigned).",
    )
    deadline_days = fields.Integer(string="Deadline (days)", help="Days the assignee has to complete the step.")
    robot_condition = fields.Char(
        string="Condition",
        default="[]",
        help="The robot step advances when the record matches this condition.",
    )

    _sql_constraints = [
        ("deadline_days_positive", "CHECK(deadline_days >= 0)", "The deadline of a step cannot be negative."),
    ]

    @api.constrains("assignee_field_id", "version_id")
    def _check_assignee_field(self):
        for step in self.filtered("assignee_field_id"):
            field = step.assignee_field_id
            if field.model_id != step.version_id.process_id.model_id or field.relation != "res.users":
                raise ValidationError(
                    _(
                        "The step “%(step)s” must take its assignee from a user field of “%(model)s”.",
                        step=step.name,
                        model=step.version_id.process_id.model_id.name,
                    )
                )

    @api.onchange("assignee_kind")
    def _onchange_assignee_kind(self):
        if self.assignee_kind != "user":
            self.user_id = False
        if self.assignee_kind != "group":
            self.group_id = False
        if self.assignee_kind not in ("field", "manager"):
            self.assignee_field_id = False

    # ------------------------------------------------------------------
    # Validation before publishing
    # ------------------------------------------------------------------

    def _get_condition_eval_context(self):
        return {
            "datetime": safe_eval.datetime,
            "dateutil": safe_eval.dateutil,
            "time": safe_eval.time,
            "relativedelta": relativedelta,
            "context_today": lambda: fields.Date.context_today(self),
            "uid": self.env.uid,
            "user": self.env.user,
        }

    @api.model
    def _check_condition(self, model_name, condition):
        """Return an error message when ``condition`` is not a valid domain on ``model_name``, else False."""
        try:
            domain = safe_eval.safe_eval(condition or "[]", self._get_condition_eval_context())
            # Build the query without running it: checks every field and operator.
            self.env[model_name].sudo()._search(domain)
        except Exception as error:  # any failure means the condition is unusable
            return str(error)
        return False

    def _get_publish_errors(self):
        self.ensure_one()
        errors = []
        if self.kind == "robot":
            problem = self._check_condition(self.version_id.process_id.model, self.robot_condition)
            if problem:
                errors.append(
                    _("The condition of the robot step “%(step)s” is invalid: %(error)s", step=self.name, error=problem)
                )
            return errors
        if not self.assignee_kind:
            errors.append(_("The step “%(step)s” has no assignee.", step=self.name))
        elif self.assignee_kind == "user" and not self.user_id:
            errors.append(_("The step “%(step)s” is assigned to a user but no user is chosen.", step=self.name))
        elif self.assignee_kind == "group" and not self.group_id:
            errors.append(_("The step “%(step)s” is assigned to a group but no group is chosen.", step=self.name))
        elif self.assignee_kind in ("field", "manager") and not self.assignee_field_id:
            errors.append(
                _("The step “%(step)s” takes its assignee from a field but no field is chosen.", step=self.name)
            )
        return errors

    def action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }
