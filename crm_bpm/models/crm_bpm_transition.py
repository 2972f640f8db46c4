from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Outcomes that only an approval step produces.
APPROVAL_OUTCOMES = ("approved", "rejected")


class CrmBpmTransition(models.Model):
    """A move from one step to another when the first step ends with a given
    outcome (and, optionally, the record matches a condition)."""

    _name = "crm.bpm.transition"
    _inherit = ["crm.bpm.version.part"]
    _description = "Business Process Transition"
    _order = "version_id, sequence, id"

    version_id = fields.Many2one(
        "crm.bpm.process.version", string="Version", required=True, ondelete="cascade", index=True
    )
    process_id = fields.Many2one(related="version_id.process_id", store=True, index=True)
    company_id = fields.Many2one(related="version_id.company_id", store=True, index=True)
    model = fields.Char(related="version_id.process_id.model")
    state = fields.Selection(related="version_id.state", string="Version Status")
    sequence = fields.Integer(default=10)
    from_step_id = fields.Many2one(
        "crm.bpm.step",
        string="From Step",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('version_id', '=', version_id)]",
    )
    to_step_id = fields.Many2one(
        "crm.bpm.step",
        string="To Step",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('version_id', '=', version_id)]",
    )
    outcome = fields.Selection(
        [
            ("done", "Done"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("rework", "Returned for rework"),
            ("automatic", "Automatic"),
        ],
        required=True,
        default="done",
        help="How the step must end for the process to follow this transition.",
    )
    condition = fields.Char(
        help="Optional: the transition is followed only when the record matches this condition.",
    )

    @api.depends("from_step_id.name", "to_step_id.name", "outcome")
    def _compute_display_name(self):
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        for transition in self:
            transition.display_name = _(
                "%(from)s → %(to)s (%(outcome)s)",
                **{
                    "from": transition.from_step_id.name or "",
                    "to": transition.to_step_id.name or "",
                    "outcome": outcomes.get(transition.outcome, ""),
                },
            )

    @api.constrains("version_id", "from_step_id", "to_step_id")
    def _check_steps_in_version(self):
        for transition in self:
            if (
                transition.from_step_id.version_id != transition.version_id
                or transition.to_step_id.version_id != transition.version_id
            ):
                raise ValidationError(
                    _(
                        "The transition “%(transition)s” must connect two steps of %(version)s.",
                        transition=transition.display_name,
                        version=transition.version_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Validation before publishing
    # ------------------------------------------------------------------

    def _get_publish_errors(self):
        self.ensure_one()
        errors = []
        from_kind = self.from_step_id.kind
        if self.outcome in APPROVAL_OUTCOMES and from_kind != "approval":
            errors.append(
                _(
                    "The transition “%(transition)s” expects an approval outcome but leaves a step that is not "
                    "an approval.",
                    transition=self.display_name,
                )
            )
        if self.outcome == "automatic" and from_kind not in ("robot", "notification"):
            errors.append(
                _(
                    "The transition “%(transition)s” is automatic but leaves a step that a person completes.",
                    transition=self.display_name,
                )
            )
        if self.condition:
            problem = self.env["crm.bpm.step"]._check_condition(self.version_id.process_id.model, self.condition)
            if problem:
                errors.append(
                    _(
                        "The condition of the transition “%(transition)s” is invalid: %(error)s",
                        transition=self.display_name,
                        error=problem,
                    )
                )
        return errors

    def action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }
