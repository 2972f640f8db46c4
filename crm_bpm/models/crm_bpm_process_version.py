from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

# State changes the version's life cycle allows; anything else is refused on
# the server, whoever asks (a published version never becomes a draft again).
ALLOWED_STATE_CHANGES = {
    ("draft", "published"),
    ("draft", "archived"),
    ("published", "archived"),
}


class CrmBpmProcessVersion(models.Model):
    """One version of a process: its steps and transitions.

    A draft is edited freely. Publishing validates it and archives the
    previously published version of the process; from then on the version is
    immutable and changes are made in a new version (a draft copy).
    """

    _name = "crm.bpm.process.version"
    _description = "Business Process Version"
    _order = "process_id, number desc"
    _rec_names_search = ["process_id.name"]

    process_id = fields.Many2one("crm.bpm.process", string="Process", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="process_id.company_id", store=True, index=True)
    model_id = fields.Many2one(related="process_id.model_id")
    model = fields.Char(related="process_id.model")
    number = fields.Integer(string="Version", readonly=True, copy=False)
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published"), ("archived", "Archived")],
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
    )
    step_ids = fields.One2many("crm.bpm.step", "version_id", string="Steps", copy=False)
    transition_ids = fields.One2many("crm.bpm.transition", "version_id", string="Transitions", copy=False)
    step_count = fields.Integer(compute="_compute_step_count")
    published_on = fields.Datetime(readonly=True, copy=False)
    published_by = fields.Many2one("res.users", readonly=True, copy=False)
    note = fields.Text(string="Notes", help="What changed in this version and why.")

    _sql_constraints = [
        ("number_uniq", "unique(process_id, number)", "Version numbers must be unique per process."),
    ]

    def init(self):
        # At most one published version per process, even under concurrent publishing.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS crm_bpm_process_version_one_published_idx
                ON crm_bpm_process_version (process_id)
             WHERE state = 'published'
            """
        )

    @api.depends("process_id.name", "number")
    def _compute_display_name(self):
        for version in self:
            version.display_name = _(
                "%(process)s, version %(number)s",
                process=version.process_id.name or "",
                number=version.number,
            )

    @api.depends("step_ids")
    def _compute_step_count(self):
        for version in self:
            version.step_count = len(version.step_ids)

    # ------------------------------------------------------------------
    # Immutability
    # ------------------------------------------------------------------

    def _state_label(self, state):
        return dict(self._fields["state"]._description_selection(self.env))[state]

    def _frozen_error(self):
        """The error raised when something tries to change a non-draft version."""
        self.ensure_one()
        return UserError(
            _(
                "Version %(number)s of the process “%(process)s” is %(state)s and cannot be changed. "
                "Create a new version to change it.",
                number=self.number,
                process=self.process_id.name,
                state=self._state_label(self.state).lower(),
            )
        )

    def _check_editable(self):
        """Raise when one of the versions is no longer a draft."""
        frozen = self.filtered(lambda v: v.state != "draft")
        if frozen:
            raise frozen[0]._frozen_error()

    @api.model_create_multi
    def create(self, vals_list):
        next_numbers = {}
        for vals in vals_list:
            if vals.get("state", "draft") != "draft":
                raise UserError(_("A new process version is always a draft: publish it once it is complete."))
            if vals.get("published_on") or vals.get("published_by"):
                raise UserError(_("A new process version cannot be created as already published."))
            process_id = vals.get("process_id")
            if not vals.get("number") and process_id:
                if process_id not in next_numbers:
                    next_numbers[process_id] = self._next_number(process_id)
                vals["number"] = next_numbers[process_id]
                next_numbers[process_id] += 1
        return super().create(vals_list)

    @api.model
    def _next_number(self, process_id):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM crm_bpm_process_version WHERE process_id = %s",
            [process_id],
        )
        return self.env.cr.fetchone()[0]

    def write(self, vals):
        # Only the state of a published or archived version may still change
        # (to "archived"); who published it and when is written while it is
        # still a draft, together with the move to "published".
        if set(vals) - {"state"}:
            self._check_editable()
        if "state" in vals:
            for version in self:
                if version.state != vals["state"] and (version.state, vals["state"]) not in ALLOWED_STATE_CHANGES:
                    raise UserError(
                        _(
                            "Version %(number)s of the process “%(process)s” cannot go from %(old)s to %(new)s.",
                            number=version.number,
                            process=version.process_id.name,
                            old=version._state_label(version.state),
                            new=version._state_label(vals["state"]),
                        )
                    )
            if vals["state"] == "published":
                self.filtered(lambda v: v.state == "draft")._check_publishable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_frozen(self):
        self._check_editable()

    @api.constrains("state", "process_id")
    def _check_one_published(self):
        for process in self.filtered(lambda v: v.state == "published").process_id:
            if len(process.version_ids.filtered(lambda v: v.state == "published")) > 1:
                raise ValidationError(
                    _("The process “%(process)s” can have only one published version.", process=process.name)
                )

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------

    def _get_publish_errors(self):
        """Return the list of reasons why this draft cannot be published."""
        self.ensure_one()
        errors = []
        if not self.step_ids:
            errors.append(_("The version has no step."))
        starts = self.step_ids.filtered("is_start")
        if self.step_ids and not starts:
            errors.append(_("No step is marked as the start step."))
        elif len(starts) > 1:
            errors.append(
                _(
                    "Only one step can be the start step; now these are: %(steps)s.",
                    steps=", ".join(starts.mapped("name")),
                )
            )
        for transition in self.transition_ids:
            if transition.from_step_id.version_id != self or transition.to_step_id.version_id != self:
                errors.append(
                    _(
                        "The transition “%(transition)s” leads to a step of another version.",
                        transition=transition.display_name,
                    )
                )
        for step in self.step_ids:
            errors.extend(step._get_publish_errors())
        for transition in self.transition_ids:
            errors.extend(transition._get_publish_errors())
        return errors

    def _check_publishable(self):
        for version in self:
            errors = version._get_publish_errors()
            if errors:
                raise UserError(
                    _(
                        "Version %(number)s of the process “%(process)s” cannot be published:\n%(errors)s",
                        number=version.number,
                        process=version.process_id.name,
                        errors="\n".join(f"- {error}" for error in errors),
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_publish(self):
        """Publish this draft; the previously published version of the process is archived."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(
                _(
                    "Version %(number)s of the process “%(process)s” is not a draft and cannot be published again.",
                    number=self.number,
                    process=self.process_id.name,
                )
            )
        self._check_publishable()
        previous = self.process_id.version_ids.filtered(lambda v: v.state == "published")
        previous.write({"state": "archived"})
        # Archive in the database before publishing: at most one published
        # version per process is also a unique index.
        previous.flush_recordset(["state"])
        self.write({"state": "published", "published_on": fields.Datetime.now(), "published_by": self.env.user.id})
        self.process_id.message_post(
            body=_("Version %(number)s published.", number=self.number),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def action_archive_version(self):
        """Retire a published version (or drop a draft) without publishing another one."""
        for version in self:
            if version.state == "archived":
                continue
            version.write({"state": "archived"})
        return True

    def action_new_version(self):
        """Create a draft copy of this version (steps and transitions included) and open it."""
        self.ensure_one()
        draft = self.process_id.draft_version_id
        if draft:
            raise UserError(
                _(
                    "The process “%(process)s” already has a draft: version %(number)s. Edit it instead.",
                    process=self.process_id.name,
                    number=draft.number,
                )
            )
        new_version = self._copy_as_draft()
        return new_version.action_open()

    def _copy_as_draft(self):
        """Copy this version into a new draft of the same process; return the draft."""
        self.ensure_one()
        new_version = self.create({"process_id": self.process_id.id, "note": self.note})
        steps = self.step_ids.sorted()
        new_steps = self.env["crm.bpm.step"].create(steps.copy_data({"version_id": new_version.id}))
        step_map = dict(zip(steps.ids, new_steps.ids, strict=True))
        transition_vals = self.transition_ids.copy_data({"version_id": new_version.id})
        for vals in transition_vals:
            vals["from_step_id"] = step_map[vals["from_step_id"]]
            vals["to_step_id"] = step_map[vals["to_step_id"]]
        self.env["crm.bpm.transition"].create(transition_vals)
        return new_version

    def action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
