from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

# Writing one of these may change a deal's stage or whether it is open, so the
# stage log compares the deals before and after such a write.
STAGE_LOG_TRIGGERS = frozenset({"stage_id", "active", "deal_type_id", "team_id", "type"})

# A typed deal uses its type's stages; an untyped one Odoo's stages, without
# the stages that only deal types use (won stages are shared).
STAGE_DOMAIN = (
    "[('deal_type_ids', 'in', [deal_type_id])] if deal_type_id "
    "else ['|', ('team_id', '=', False), ('team_id', '=', team_id), '|', ('deal_type_ids', '=', False), "
    "('is_won', '=', True)]"
)


class CrmLead(models.Model):
    """Deal types, stage gates and the stage log on leads/deals.

    * ``deal_type_id`` defaults from the team; a typed deal only uses the
      stages of its type; changing the type maps the deal to the new type's
      stage at the same position (see ``crm.deal.type._crm_pipeline_map_stage``).
    * Stage gates are checked after every write or create that sets
      ``stage_id`` (form, kanban drag, RPC, import), on the values as saved,
      so fields filled in the same save count. Refusals raise a UserError.
    * The stage log (``crm.lead.stage.log``) gets one row per stay in a
      stage, closed on leave, win or loss, reopened on restore.
    """

    _inherit = "crm.lead"

    deal_type_id = fields.Many2one(
        "crm.deal.type",
        string="Deal Type",
        index=True,
        tracking=True,
        compute="_compute_deal_type_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('company_id', 'in', [company_id, False])]",
    )
    stage_id = fields.Many2one(domain=STAGE_DOMAIN)
    stage_log_ids = fields.One2many("crm.lead.stage.log", "lead_id", string="Stage History")
    stage_days = fields.Integer(
        string="Days in Stage", compute="_compute_stage_days", help="Whole days since the deal entered its stage."
    )
    stage_days_warn = fields.Boolean(string="Too Long in Stage", compute="_compute_stage_days")

    # ------------------------------------------------------------------ computes

    @api.depends("team_id")
    def _compute_deal_type_id(self):
        for lead in self:
            if not lead.deal_type_id and lead.team_id.deal_type_id:
                lead.deal_type_id = lead.team_id.deal_type_id

    @api.depends("team_id", "type", "deal_type_id")
    def _compute_stage_id(self):
        """Typed deals keep a stage of their type: new ones land in its first
        stage, a type change in the form maps the stage like ``write`` does."""
        typed = self.filtered("deal_type_id")
        for lead in typed:
            deal_type = lead.deal_type_id
            if lead.stage_id and lead.stage_id in deal_type.stage_ids:
                continue
            from_type = lead._origin.deal_type_id if lead._origin else deal_type.browse()
            lead.stage_id = deal_type._crm_pipeline_map_stage(lead.stage_id, from_type)
        return super(CrmLead, self - typed)._compute_stage_id()

    @api.depends("date_last_stage_update", "stage_id", "active")
    def _compute_stage_days(self):
        now = fields.Datetime.now()
        for lead in self:
            since = lead.date_last_stage_update or lead.create_date
            days = max(0, (now - since).days) if since else 0
            limit = lead.stage_id.warn_after_days
            lead.stage_days = days
            lead.stage_days_warn = bool(lead.active and not lead.stage_id.is_won and limit and days > limit)

    # ------------------------------------------------------------------ kanban columns

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Columns of the deal type being viewed (``default_deal_type_id`` in
        the context, or a ``deal_type_id`` filter in the domain): its stages,
        plus any stage that holds records. Without a type, Odoo's columns
        minus the stages used only by deal types (won stages stay)."""
        deal_type = self.env["crm.deal.type"]
        type_id = self.env.context.get("default_deal_type_id")
        if isinstance(type_id, int) and type_id:
            deal_type = deal_type.browse(type_id)
        else:
            deal_type = deal_type._crm_pipeline_from_domain(domain)
        if deal_type:
            # sudo: column titles only; the deal type configuration is readable by every user
            stage_ids = set(stages.ids) | set(deal_type.sudo().stage_ids.ids)
            return stages.browse(stages.sudo()._search([("id", "in", list(stage_ids))], order=stages._order))
        columns = super()._read_group_stage_ids(stages, domain)
        return columns.filtered(lambda stage: stage in stages or stage.is_won or not stage.sudo().deal_type_ids)

    def _stage_find(self, team_id=False, domain=None, order="sequence, id", limit=1):
        """Deals of one type look for the stage among that type's stages first."""
        deal_types = self.deal_type_id
        if self and len(deal_types) == 1 and all(self.mapped("deal_type_id")):
            stages = self.env["crm.stage"].search(
                expression.AND([[("deal_type_ids", "in", deal_types.ids)], list(domain or [])]),
                order=order,
                limit=limit,
            )
            if stages:
                return stages
        return super()._stage_find(team_id=team_id, domain=domain, order=order, limit=limit)

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        # a stage chosen on creation (explicitly, or the kanban column of a quick
        # create through default_stage_id) is gated like a move
        chosen = bool(self.env.context.get("default_stage_id"))
        explicit = leads.browse(
            [lead.id for lead, vals in zip(leads, vals_list, strict=True) if chosen or vals.get("stage_id")]
        )
        if explicit:
            explicit._crm_pipeline_enforce_stage_gates({})
        empty_stage = self.env["crm.stage"]
        leads._crm_pipeline_log_stage_changes({lead.id: (empty_stage, True) for lead in leads})
        return leads

    def write(self, vals):
        if vals.get("deal_type_id") and "stage_id" not in vals and self:
            # a type change maps each deal to the new type's stage at the same
            # position; one write per target stage, not gated (not a move by the user)
            new_type = self.env["crm.deal.type"].browse(vals["deal_type_id"])
            by_stage = defaultdict(lambda: self.browse())
            for lead in self:
                by_stage[new_type._crm_pipeline_map_stage(lead.stage_id, lead.deal_type_id)] |= lead
            result = True
            for stage, leads in by_stage.items():
                result = leads._crm_pipeline_write_remapped(dict(vals, stage_id=stage.id))
            return result
        if not STAGE_LOG_TRIGGERS.intersection(vals):
            return super().write(vals)
        before = {lead.id: (lead.stage_id, lead.active) for lead in self}
        result = super().write(vals)
        if "stage_id" in vals:
            self._crm_pipeline_enforce_stage_gates(before)
        self._crm_pipeline_log_stage_changes(before)
        return result

    def _crm_pipeline_write_remapped(self, vals):
        """Write a deal type change with its mapped stage: logged, not gated."""
        before = {lead.id: (lead.stage_id, lead.active) for lead in self}
        result = super().write(vals)
        self._crm_pipeline_log_stage_changes(before)
        return result

    # ------------------------------------------------------------------ stage gates

    def _crm_pipeline_enforce_stage_gates(self, before):
        """Raise a UserError listing, per deal, what keeps it out of its new stage.

        ``before`` maps lead ids to their (stage, active) before the write;
        deals whose stage did not change are not checked."""
        messages = []
        empty_stage = self.env["crm.stage"]
        for lead in self:
            previous_stage = before.get(lead.id, (empty_stage, True))[0]
            new_stage = lead.stage_id
            if not new_stage or new_stage == previous_stage:
                continue
            problems = lead._crm_pipeline_check_stage_gate(new_stage, previous_stage=previous_stage)
            if problems:
                messages.append(
                    _(
                        "The deal “%(deal)s” cannot move to the stage “%(stage)s”:\n%(problems)s",
                        deal=lead.display_name,
                        stage=new_stage.name,
                        problems="\n".join(f"- {problem}" for problem in problems),
                    )
                )
        if messages:
            raise UserError("\n\n".join(messages))

    def _crm_pipeline_check_stage_gate(self, new_stage, previous_stage=None):
        """What keeps this deal out of ``new_stage``: a list of messages, empty when it may enter.

        Extension point (crm_bpm adds "approval required"): call super() and
        append your own problems. Called on one deal after its new values are
        saved (``self.stage_id`` is already ``new_stage``, the fields filled in
        the same save count); ``previous_stage`` is the stage it comes from
        (empty on creation). Any problem makes the whole write fail.
        """
        self.ensure_one()
        problems = []
        # sudo: the gate configuration (stages, ir.model.fields) is read, not the deal
        stage = new_stage.sudo()
        previous = previous_stage.sudo() if previous_stage else self.env["crm.stage"]
        allowed = previous.gate_allowed_next_stage_ids
        if allowed and new_stage not in allowed and not stage.is_won:
            problems.append(
                _(
                    "From the stage “%(previous)s” a deal may only move to: %(allowed)s.",
                    previous=previous.name,
                    allowed=", ".join(allowed.mapped("name")),
                )
            )
        missing = [
            self._fields[field.name]._description_string(self.env)
            for field in stage.gate_required_field_ids
            if field.name in self._fields and not self[field.name]
        ]
        if missing:
            problems.append(_("Required fields are empty: %(fields)s.", fields=", ".join(missing)))
        if stage.gate_condition_domain and not self.filtered_domain(stage._crm_pipeline_gate_domain()):
            problems.append(stage.gate_condition_message or _("The stage's required condition is not met."))
        return problems

    # ------------------------------------------------------------------ stage log

    def _crm_pipeline_log_stage_changes(self, before):
        """Keep the stage log exact after a create/write.

        ``before`` maps lead ids to their (stage, active) before the change.
        One UPDATE per outcome closes the left stays, one create opens the new ones."""
        now = fields.Datetime.now()
        moved, lost = self.browse(), self.browse()
        new_rows = []
        empty_stage = self.env["crm.stage"]
        for lead in self:
            old_stage, old_active = before.get(lead.id, (empty_stage, True))
            stage, active = lead.stage_id, lead.active
            changed = stage != old_stage
            if old_active and old_stage and not old_stage.is_won:
                if not active:
                    lost |= lead
                elif changed:
                    moved |= lead
            if active and stage and (changed or not old_active):
                new_rows.append(
                    {
                        "lead_id": lead.id,
                        "deal_type_id": lead.deal_type_id.id,
                        "stage_id": stage.id,
                        "team_id": lead.team_id.id,
                        "user_id": lead.user_id.id,
                        "company_id": lead.company_id.id,
                        "date_in": now,
                        "date_out": now if stage.is_won else False,
                        "outcome": "won" if stage.is_won else "open",
                    }
                )
        # sudo: the log is written by the system for every user allowed to move
        # the deal; users only read it (record rules on lead_id)
        log = self.env["crm.lead.stage.log"].sudo()
        log._crm_pipeline_close(moved, "moved", now)
        log._crm_pipeline_close(lost, "lost", now)
        if new_rows:
            log.create(new_rows)
