from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.mail import is_html_empty


class CrmLeadQualify(models.TransientModel):
    """Qualification of a lead from the pool.

    * Ours: the lead becomes a deal (opportunity) of a deal type, in that type's first stage,
      linked to its client — an existing one or a new company with the contact person — through
      Odoo's own conversion (``_handle_partner_assignment`` / ``convert_opportunity``).
    * Not ours: the lead is closed as lost with a reason from Odoo's configurable lost reasons.
    """

    _name = "crm.lead.qualify"
    _description = "Qualify Lead"

    lead_id = fields.Many2one("crm.lead", string="Lead", required=True, ondelete="cascade")
    decision = fields.Selection(
        [("ours", "Ours"), ("not_ours", "Not ours")],
        required=True,
        default="ours",
    )
    deal_type_id = fields.Many2one(
        "crm.deal.type",
        string="Deal Type",
        compute="_compute_deal_type_id",
        store=True,
        readonly=False,
    )
    partner_action = fields.Selection(
        [("exist", "Existing client"), ("create", "New client")],
        string="Client",
        compute="_compute_partner_action",
        store=True,
        readonly=False,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Existing Client",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
    )
    lost_reason_id = fields.Many2one("crm.lost.reason", string="Reason")
    lost_feedback = fields.Html(string="Closing Note", sanitize=True)

    @api.depends("lead_id")
    def _compute_deal_type_id(self):
        for wizard in self:
            wizard.deal_type_id = wizard.lead_id.deal_type_id or wizard.lead_id.team_id.deal_type_id

    @api.depends("lead_id")
    def _compute_partner_action(self):
        for wizard in self:
            wizard.partner_action = "exist" if wizard.lead_id.partner_id else "create"

    @api.depends("lead_id", "partner_action")
    def _compute_partner_id(self):
        for wizard in self:
            wizard.partner_id = wizard.lead_id.partner_id if wizard.partner_action == "exist" else False

    def action_apply(self):
        self.ensure_one()
        lead = self.lead_id
        if not lead.active:
            raise UserError(_("This lead is already closed."))
        if self.decision == "not_ours":
            return self._apply_not_ours()
        return self._apply_ours()

    def _apply_not_ours(self):
        lead = self.lead_id
        if not self.lost_reason_id:
            raise UserError(_("Choose why this lead is not ours."))
        if not is_html_empty(self.lost_feedback):
            lead._track_set_log_message(
                Markup('<div style="margin-bottom: 4px;"><p>%s:</p>%s<br /></div>')
                % (_("Lost Comment"), self.lost_feedback)
            )
        lead.action_set_lost(lost_reason_id=self.lost_reason_id.id)
        return {"type": "ir.actions.act_window_close"}

    def _apply_ours(self):
        lead = self.lead_id
        if lead.type == "opportunity":
            raise UserError(_("This lead is already a deal."))
        if not self.deal_type_id:
            raise UserError(_("Choose the deal type of the new deal."))
        if self.partner_action == "exist" and not self.partner_id:
            raise UserError(_("Choose the existing client, or create a new one."))
        user = lead.user_id or self.env.user
        # Odoo's conversion: links the chosen client, or creates the company and its contact
        # person from the lead, with the salesperson as their responsible.
        lead.with_context(default_user_id=user.id)._handle_partner_assignment(
            force_partner_id=self.partner_id.id if self.partner_action == "exist" else False,
            create_missing=True,
        )
        if self.partner_action == "exist" and lead.contact_name and self.partner_id.is_company:
            contact = self.partner_id.child_ids.filtered(
                lambda child: child.name and child.name.strip().lower() == lead.contact_name.strip().lower()
            )[:1]
            if not contact:
                contact = (
                    self.env["res.partner"]
                    .with_context(default_user_id=user.id)
                    .create(lead._prepare_customer_values(lead.contact_name, parent_id=self.partner_id.id))
                )
            lead.partner_id = contact
        lead.convert_opportunity(lead.partner_id)
        values = {"deal_type_id": self.deal_type_id.id}
        stage = self.deal_type_id._crm_pipeline_first_stage()
        if stage:
            values["stage_id"] = stage.id
        if not lead.user_id:
            values["user_id"] = user.id
        lead.write(values)
        return lead.redirect_lead_opportunity_view()
