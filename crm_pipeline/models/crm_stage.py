from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval


class CrmStage(models.Model):
    """Deal types and stage gates on Odoo's stages.

    A gate is checked on the server whenever a deal enters the stage (see
    ``crm.lead._crm_pipeline_check_stage_gate``): required fields, a required
    condition (a domain on the deal with the message shown when it is not
    met) and, on the stage the deal leaves, the stages allowed next."""

    _inherit = "crm.stage"

    deal_type_ids = fields.Many2many(
        "crm.deal.type",
        "crm_deal_type_stage_rel",
        "stage_id",
        "deal_type_id",
        string="Deal Types",
    )
    gate_required_field_ids = fields.Many2many(
        "ir.model.fields",
        "crm_stage_gate_field_rel",
        "stage_id",
        "field_id",
        string="Required Fields",
        domain="[('model', '=', 'crm.lead'), ('store', '=', True), ('ttype', 'not in', ['binary', 'one2many'])]",
        help="Fields a deal must have filled in to enter this stage.",
    )
    gate_condition_domain = fields.Char(
        string="Required Condition",
        help="A deal must match this domain to enter this stage.",
    )
    gate_condition_message = fields.Char(
        string="Condition Message",
        translate=True,
        help='What is missing when the condition is not met, e.g. "A quotation has been sent".',
    )
    gate_allowed_next_stage_ids = fields.Many2many(
        "crm.stage",
        "crm_stage_gate_next_rel",
        "stage_id",
        "next_stage_id",
        string="Allowed Next Stages",
        help="Stages a deal may move to from this stage; empty means any. A won stage can always be reached.",
    )
    warn_after_days = fields.Integer(
        string="Warn After (days)",
        help="Deals staying longer than this in the stage are highlighted on the pipeline; 0 disables it.",
    )
    has_gate = fields.Boolean(compute="_compute_has_gate", string="Gated")

    @api.depends("gate_required_field_ids", "gate_condition_domain", "gate_allowed_next_stage_ids")
    def _compute_has_gate(self):
        for stage in self:
            stage.has_gate = bool(
                stage.gate_required_field_ids or stage.gate_condition_domain or stage.gate_allowed_next_stage_ids
            )

    @api.constrains("gate_condition_domain")
    def _check_gate_condition_domain(self):
        for stage in self.filtered("gate_condition_domain"):
            try:
                domain = stage._crm_pipeline_gate_domain()
                self.env["crm.lead"].sudo().search(domain, limit=1)
            except Exception as error:  # any error means the domain is unusable
                raise ValidationError(
                    _(
                        "The required condition of stage %(stage)s is not a valid domain: %(error)s",
                        stage=stage.name,
                        error=error,
                    )
                ) from error

    @api.constrains("warn_after_days")
    def _check_warn_after_days(self):
        if any(stage.warn_after_days < 0 for stage in self):
            raise ValidationError(_("The number of days before a warning cannot be negative."))

    def _crm_pipeline_gate_domain(self):
        self.ensure_one()
        if not self.gate_condition_domain:
            return []
        return safe_eval(
            self.gate_condition_domain,
            {"uid": self.env.uid, "user": self.env.user, "context_today": lambda: fields.Date.context_today(self)},
        )
