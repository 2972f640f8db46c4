from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class CrmBpmProcess(models.Model):
    """A business process that accompanies records of one model (a deal, a
    client, a sale order).

    The process itself only holds what does not change between versions; its
    steps and transitions live in versions (``crm.bpm.process.version``), of
    which at most one is published at a time. Published and archived versions
    are immutable: running instances keep the version they started with.
    """

    _name = "crm.bpm.process"
    _description = "Business Process"
    _inherit = ["mail.thread"]
    _order = "name, id"

    @api.model
    def _get_bpm_model_names(self):
        """Models a process may accompany. Addons that make another model
        process-aware extend this list (the way ``base_tier_validation``'s
        ``_get_tier_validation_model_names`` is extended)."""
        return ["crm.lead", "res.partner", "sale.order"]

    name = fields.Char(required=True, tracking=True)
    description = fields.Text()
    model_id = fields.Many2one(
        "ir.model",
        string="Applies To",
        required=True,
        ondelete="cascade",
        tracking=True,
        domain=lambda self: [("model", "in", self._get_bpm_model_names())],
        help="The kind of record this process accompanies.",
    )
    model = fields.Char(related="model_id.model", string="Model Name", store=True, index=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        default=lambda self: self.env.company,
        index=True,
        tracking=True,
    )
    version_ids = fields.One2many("crm.bpm.process.version", "process_id", string="Versions")
    published_version_id = fields.Many2one(
        "crm.bpm.process.version",
        string="Published Version",
        compute="_compute_published_version_id",
        store=True,
        tracking=True,
        help="The version new instances of this process start with.",
    )
    draft_version_id = fields.Many2one(
        "crm.bpm.process.version",
        string="Draft Version",
        compute="_compute_draft_version_id",
    )
    version_count = fields.Integer(compute="_compute_version_count")

    @api.depends("version_ids.state")
    def _compute_published_version_id(self):
        for process in self:
            published = process.version_ids.filtered(lambda v: v.state == "published")
            process.published_version_id = published[:1]

    @api.depends("version_ids.state")
    def _compute_draft_version_id(self):
        for process in self:
            drafts = process.version_ids.filtered(lambda v: v.state == "draft").sorted("number", reverse=True)
            process.draft_version_id = drafts[:1]

    def _compute_version_count(self):
        counts = dict(
            self.env["crm.bpm.process.version"]._read_group(
                [("process_id", "in", self.ids)], groupby=["process_id"], aggregates=["__count"]
            )
        )
        for process in self:
            process.version_count = counts.get(process, 0)

    @api.constrains("model_id")
    def _check_model_id(self):
        allowed = self._get_bpm_model_names()
        for process in self:
            if process.model_id.model not in allowed:
                raise ValidationError(
                    _(
                        "A process cannot accompany records of “%(model)s”.",
                        model=process.model_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        processes = super().create(vals_list)
        # A new process starts with an empty draft to design.
        without_version = processes.filtered(lambda p: not p.version_ids)
        if without_version:
            self.env["crm.bpm.process.version"].create([{"process_id": p.id} for p in without_version])
        return processes

    def write(self, vals):
        if "model_id" in vals:
            frozen = self.filtered(
                lambda p: p.model_id.id != vals["model_id"] and p.version_ids.filtered(lambda v: v.state != "draft")
            )
            if frozen:
                raise UserError(
                    _(
                        "The process “%(process)s” already has published versions: "
                        "the kind of record it accompanies cannot change. Create a new process instead.",
                        process=frozen[0].display_name,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published(self):
        for process in self:
            if process.version_ids.filtered(lambda v: v.state != "draft"):
                raise UserError(
                    _(
                        "The process “%(process)s” has published versions and cannot be deleted. Archive it instead.",
                        process=process.display_name,
                    )
                )

    def action_open_versions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_bpm.crm_bpm_process_version_action")
        action["domain"] = [("process_id", "=", self.id)]
        action["context"] = {"default_process_id": self.id}
        return action

    def action_open_draft(self):
        """Open the draft version to edit, creating one from the latest version if there is none."""
        self.ensure_one()
        draft = self.draft_version_id
        if not draft:
            latest = self.version_ids.sorted("number", reverse=True)[:1]
            if latest:
                return latest.action_new_version()
            draft = self.env["crm.bpm.process.version"].create({"process_id": self.id})
        return draft.action_open()
