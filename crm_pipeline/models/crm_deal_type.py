from odoo import api, fields, models


class CrmDealType(models.Model):
    """A kind of deal (quick sale, long sale / tender, repeat sale) with its own
    ordered stages.

    Stages are ``crm.stage`` records shared through a many2many, ordered by
    ``crm.stage.sequence`` (the stage model's ``_order``), so Odoo's kanban
    grouping on ``crm.lead.stage_id`` keeps working: the lead's
    ``_read_group_stage_ids`` shows the stages of the deal type being viewed.
    A stage may belong to several types (e.g. the shared *Won* stage)."""

    _name = "crm.deal.type"
    _description = "Deal Type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", string="Company", index=True)
    description = fields.Text(translate=True)
    is_repeat_sale = fields.Boolean(
        string="Repeat Sale",
        help="Deals of this type are repeat sales to known clients; they may start as deals directly.",
    )
    stage_ids = fields.Many2many(
        "crm.stage",
        "crm_deal_type_stage_rel",
        "deal_type_id",
        "stage_id",
        string="Stages",
        help="Stages of this deal type, in the order of their sequence.",
    )
    team_ids = fields.One2many("crm.team", "deal_type_id", string="Default for Teams")
    lead_count = fields.Integer(compute="_compute_lead_count", string="Deals")

    def _compute_lead_count(self):
        counts = dict(
            self.env["crm.lead"]._read_group([("deal_type_id", "in", self.ids)], ["deal_type_id"], ["__count"])
        )
        for deal_type in self:
            deal_type.lead_count = counts.get(deal_type, 0)

    def _crm_pipeline_open_stages(self):
        """The type's stages a deal works through (won stages excluded), in order."""
        self.ensure_one()
        return self.stage_ids.filtered(lambda stage: not stage.is_won)

    def _crm_pipeline_first_stage(self):
        """The stage new deals of this type land in."""
        self.ensure_one()
        return self._crm_pipeline_open_stages()[:1] or self.stage_ids[:1]

    def _crm_pipeline_map_stage(self, stage, from_type=None):
        """Stage of this type for a deal now in ``stage`` (of ``from_type``).

        The rule, predictable for users:

        * a won deal keeps a won stage (this type's first won stage, or its
          current one when this type has none);
        * otherwise the deal takes the same position (index among the non-won
          stages, in sequence order) it had in ``from_type``, clamped to this
          type's last non-won stage;
        * a deal whose stage is not part of ``from_type`` (or without a type)
          lands in this type's first stage.
        """
        self.ensure_one()
        if stage and stage in self.stage_ids:
            return stage
        if stage and stage.is_won:
            return self.stage_ids.filtered("is_won")[:1] or stage
        open_stages = self._crm_pipeline_open_stages()
        if not open_stages:
            return self.stage_ids[:1] or stage
        index = 0
        if stage and from_type:
            previous = list(from_type._crm_pipeline_open_stages())
            if stage in previous:
                index = previous.index(stage)
        return open_stages[min(index, len(open_stages) - 1)]

    def action_open_pipeline(self):
        """The kanban pipeline restricted to this deal type's deals and stages."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_action_pipeline")
        action.update(
            {
                "name": self.name,
                "domain": [("type", "=", "opportunity"), ("deal_type_id", "=", self.id)],
                "context": {
                    "default_type": "opportunity",
                    "default_deal_type_id": self.id,
                    "search_default_assigned_to_me": False,
                },
            }
        )
        return action

    @api.model
    def _crm_pipeline_from_domain(self, domain):
        """The deal type a lead domain is restricted to, if exactly one ("deal_type_id = X")."""
        found = self.browse()
        for leaf in domain or []:
            if not isinstance(leaf, list | tuple) or len(leaf) != 3 or leaf[0] != "deal_type_id":
                continue
            operator, value = leaf[1], leaf[2]
            if operator == "=" and isinstance(value, int) and value:
                found |= self.browse(value)
            elif operator == "in" and isinstance(value, list | tuple) and len(value) == 1:
                found |= self.browse(value[0])
        return found if len(found) == 1 else self.browse()


class CrmTeam(models.Model):
    # Kept next to the deal type: the only team field this feature adds
    # (another helper may own a crm_team.py for other features).
    _inherit = "crm.team"

    deal_type_id = fields.Many2one(
        "crm.deal.type",
        string="Default Deal Type",
        help="Deal type given to new deals of this team.",
        domain="[('company_id', 'in', [company_id, False])]",
    )
