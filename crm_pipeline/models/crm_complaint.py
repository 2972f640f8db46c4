"""Client complaints: what went wrong with an order, a delivery or an invoice,
who handles it, by when, and how it ended.

A complaint goes new -> in progress -> resolved or rejected (and may be
reopened); a resolved or rejected complaint always carries its resolution,
checked on the server so that no client (form, RPC, import) can skip it.

Extension point for process addons (crm_bpm): ``_crm_complaint_created()``
runs after each create, ``_crm_complaint_state_changed(old_states)`` after
each write that changed the state of some complaints. Both do nothing here.
"""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

SEVERITIES = [
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
    ("critical", "Critical"),
]
STATES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("resolved", "Resolved"),
    ("rejected", "Rejected"),
]
OPEN_STATES = ("new", "in_progress")
CLOSED_STATES = ("resolved", "rejected")
INVOICE_TYPES = ("out_invoice", "out_refund")
# fields whose change must keep the complaint's documents those of its client
DOCUMENT_FIELDS = frozenset(("partner_id", "sale_order_id", "picking_id", "move_id"))


class CrmComplaint(models.Model):
    _name = "crm.complaint"
    _description = "Complaint"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        index="trigram",
        default=lambda self: _("New"),
    )
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="Who complains: the client company or one of its contacts.",
    )
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Client Company",
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sale Order",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('state', '=', 'sale'), ('partner_id.commercial_partner_id', '=', commercial_partner_id)]"
        " if commercial_partner_id else [('state', '=', 'sale')]",
    )
    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        compute="_compute_picking_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('sale_id', '=', sale_order_id)] if sale_order_id else "
        "[('picking_type_code', '=', 'outgoing'), ('partner_id.commercial_partner_id', '=', commercial_partner_id)]",
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        compute="_compute_move_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('id', 'in', allowed_move_ids)] if sale_order_id else "
        "[('move_type', 'in', ('out_invoice', 'out_refund')), ('state', '=', 'posted'), "
        "('commercial_partner_id', '=', commercial_partner_id)]",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('id', 'in', allowed_product_ids)] if sale_order_id else [('sale_ok', '=', True)]",
    )
    product_categ_id = fields.Many2one(
        "product.category", string="Product Category", related="product_id.categ_id", store=True
    )
    allowed_move_ids = fields.Many2many(
        "account.move", compute="_compute_allowed_ids", string="Invoices of the Order", compute_sudo=False
    )
    allowed_product_ids = fields.Many2many(
        "product.product", compute="_compute_allowed_ids", string="Products of the Order", compute_sudo=False
    )
    category_id = fields.Many2one(
        "crm.complaint.category", string="Category", required=True, index=True, tracking=True, ondelete="restrict"
    )
    description = fields.Text(help="What the client says went wrong.")
    severity = fields.Selection(SEVERITIES, required=True, default="medium", tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Who handles the complaint; by default the order's salesperson, else the client's.",
    )
    date_deadline = fields.Date(
        string="Deadline",
        compute="_compute_date_deadline",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
        help="By default from the severity: the more severe, the sooner.",
    )
    state = fields.Selection(
        STATES, string="Status", required=True, default="new", index=True, tracking=True, group_expand=True, copy=False
    )
    resolution = fields.Text(tracking=True, help="How the complaint was settled, or why it was rejected.")
    date_closed = fields.Datetime(
        string="Closed on",
        compute="_compute_date_closed",
        store=True,
        readonly=True,
        copy=False,
    )
    days_to_close = fields.Float(
        string="Days to Close",
        compute="_compute_date_closed",
        store=True,
        readonly=True,
        copy=False,
        aggregator="avg",
        digits=(16, 1),
    )
    is_overdue = fields.Boolean(compute="_compute_is_overdue", string="Overdue")

    # ------------------------------------------------------------------ computes

    @api.depends("sale_order_id")
    def _compute_company_id(self):
        for complaint in self:
            complaint.company_id = complaint.sale_order_id.company_id or complaint.company_id or self.env.company

    @api.depends("sale_order_id")
    def _compute_partner_id(self):
        for complaint in self:
            order = complaint.sale_order_id
            if order and complaint.partner_id.commercial_partner_id != order.partner_id.commercial_partner_id:
                complaint.partner_id = order.partner_id

    @api.depends("sale_order_id")
    def _compute_allowed_ids(self):
        for complaint in self:
            # ids only, as superuser: the domains built from them are searched with the user's rights
            order = complaint.sale_order_id.sudo()
            complaint.allowed_move_ids = order.invoice_ids.filtered(lambda m: m.move_type in INVOICE_TYPES).ids
            complaint.allowed_product_ids = order.order_line.filtered(lambda line: not line.display_type).product_id.ids

    @api.depends("sale_order_id")
    def _compute_picking_id(self):
        for complaint in self:
            if complaint.sale_order_id and complaint.picking_id.sale_id != complaint.sale_order_id:
                complaint.picking_id = False

    @api.depends("sale_order_id")
    def _compute_move_id(self):
        for complaint in self:
            order = complaint.sale_order_id.sudo()
            if order and complaint.move_id not in order.invoice_ids:
                complaint.move_id = False

    @api.depends("sale_order_id")
    def _compute_product_id(self):
        for complaint in self:
            order = complaint.sale_order_id.sudo()
            if not order:
                continue
            products = order.order_line.filtered(lambda line: not line.display_type).product_id
            if complaint.product_id not in products:
                # the only product of the order is the one concerned
                complaint.product_id = products if len(products) == 1 else False

    @api.depends("sale_order_id", "partner_id")
    def _compute_user_id(self):
        for complaint in self:
            complaint.user_id = (
                complaint.sale_order_id.user_id
                or complaint.partner_id.commercial_partner_id.user_id
                or complaint.partner_id.user_id
                or complaint.user_id
                or self.env.user
            )

    @api.model
    def _crm_complaint_deadline_days(self):
        """Days to settle a complaint per severity (the default deadline)."""
        return {"critical": 1, "high": 3, "medium": 7, "low": 14}

    @api.depends("severity")
    def _compute_date_deadline(self):
        days = self._crm_complaint_deadline_days()
        today = fields.Date.context_today(self)
        for complaint in self:
            start = fields.Date.context_today(self, complaint.create_date) if complaint.create_date else today
            complaint.date_deadline = start + timedelta(days=days.get(complaint.severity, 7))

    @api.depends("state")
    def _compute_date_closed(self):
        now = fields.Datetime.now()
        for complaint in self:
            if complaint.state not in CLOSED_STATES:
                complaint.date_closed = False
                complaint.days_to_close = 0.0
                continue
            if not complaint.date_closed:
                complaint.date_closed = now
            start = complaint.create_date or now
            complaint.days_to_close = max((complaint.date_closed - start).total_seconds(), 0.0) / 86400.0

    @api.depends("state", "date_deadline")
    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for complaint in self:
            complaint.is_overdue = complaint.state in OPEN_STATES and complaint.date_deadline < today

    @api.depends("name", "category_id")
    def _compute_display_name(self):
        for complaint in self:
            if complaint.category_id:
                complaint.display_name = _(
                    "%(reference)s: %(category)s", reference=complaint.name, category=complaint.category_id.name
                )
            else:
                complaint.display_name = complaint.name

    # ------------------------------------------------------------------ constraints

    @api.constrains("state", "resolution")
    def _check_resolution(self):
        for complaint in self:
            if complaint.state in CLOSED_STATES and not (complaint.resolution or "").strip():
                raise ValidationError(
                    _("Write the resolution of complaint %(name)s before closing it.", name=complaint.name)
                )

    def _check_documents_of_client(self):
        """The order, delivery and invoice of a complaint are the client's (called by create and write,
        once the client and documents computed from the order are settled)."""
        for complaint in self:
            client = complaint.commercial_partner_id
            order = complaint.sale_order_id.sudo()
            picking = complaint.picking_id.sudo()
            move = complaint.move_id.sudo()
            wrong = []
            if order and order.partner_id.commercial_partner_id != client:
                wrong.append(order.name)
            # with an order: its own deliveries and invoices; without one: the client's
            if order:
                if picking and picking.sale_id != order:
                    wrong.append(picking.name)
                if move and move not in order.invoice_ids:
                    wrong.append(move.name)
            else:
                if picking and picking.partner_id.commercial_partner_id != client:
                    wrong.append(picking.name)
                if move and move.commercial_partner_id != client:
                    wrong.append(move.name)
            if wrong:
                raise ValidationError(
                    _(
                        "Complaint %(name)s: %(documents)s do not belong to the client %(client)s or to its order.",
                        name=complaint.name,
                        documents=", ".join(wrong),
                        client=client.display_name,
                    )
                )

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].with_company(vals.get("company_id")).next_by_code(
                    "crm.complaint"
                ) or _("New")
        complaints = super().create(vals_list)
        complaints._check_documents_of_client()
        complaints._crm_complaint_created()
        return complaints

    def write(self, vals):
        documents_changed = DOCUMENT_FIELDS.intersection(vals)
        if "state" not in vals:
            result = super().write(vals)
            if documents_changed:
                self._check_documents_of_client()
            return result
        old_states = {complaint.id: complaint.state for complaint in self}
        result = super().write(vals)
        if documents_changed:
            self._check_documents_of_client()
        changed = self.filtered(lambda complaint: complaint.state != old_states[complaint.id])
        if changed:
            changed._crm_complaint_state_changed({complaint.id: old_states[complaint.id] for complaint in changed})
        return result

    # ------------------------------------------------------------------ extension points

    def _crm_complaint_created(self):
        """Called once after the complaints of ``self`` were created.

        Extension point for process addons (crm_bpm starts the complaint
        handling process here); does nothing by itself."""

    def _crm_complaint_state_changed(self, old_states):
        """Called after a write changed the state of the complaints of ``self``.

        ``old_states`` maps the id of each complaint of ``self`` to its state
        before the write (``self`` holds only complaints whose state really
        changed; their new state is ``complaint.state``). Extension point for
        process addons; does nothing by itself."""

    # ------------------------------------------------------------------ actions

    @api.model
    def _crm_complaint_quick_create_action(self, context):
        """The dialog that records a complaint in a few seconds, with ``context``'s defaults."""
        return {
            "type": "ir.actions.act_window",
            "name": _("New Complaint"),
            "res_model": "crm.complaint",
            "view_mode": "form",
            "views": [(self.env.ref("crm_pipeline.crm_complaint_view_form_quick").id, "form")],
            "target": "new",
            "context": context,
        }

    def action_open(self):
        """Open the complaint's full form (from the quick dialog, lists of other records, ...)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.complaint",
            "res_id": self.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_start(self):
        for complaint in self:
            if complaint.state != "new":
                raise UserError(_("Complaint %(name)s is not new.", name=complaint.name))
        self.write({"state": "in_progress"})
        return True

    def _crm_complaint_close(self, state):
        missing = self.filtered(lambda complaint: not (complaint.resolution or "").strip())
        if missing:
            raise UserError(
                _(
                    "Write the resolution of complaint %(name)s before closing it.",
                    name=", ".join(missing.mapped("name")),
                )
            )
        closed = self.filtered(lambda complaint: complaint.state in CLOSED_STATES)
        if closed:
            raise UserError(_("Complaint %(name)s is already closed.", name=", ".join(closed.mapped("name"))))
        self.write({"state": state})
        return True

    def action_resolve(self):
        return self._crm_complaint_close("resolved")

    def action_reject(self):
        return self._crm_complaint_close("rejected")

    def action_reopen(self):
        for complaint in self:
            if complaint.state not in CLOSED_STATES:
                raise UserError(_("Complaint %(name)s is not closed.", name=complaint.name))
        self.write({"state": "in_progress"})
        return True
