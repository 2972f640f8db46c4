from collections import defaultdict
from datetime import datetime

import pytz

from odoo import _, api, fields, models

INVOICE_TYPES = ("out_invoice", "out_refund")
RECEIVABLE_TYPES = ("asset_receivable", "liability_payable")


def _to_string(value, tz):
    """A date, or a datetime as the date in the time zone ``tz``, in ISO format."""
    if isinstance(value, datetime):
        value = pytz.utc.localize(value).astimezone(tz).date()
    return fields.Date.to_string(value) if value else False


class CrmLead(models.Model):
    """The deal card: contact persons with roles, our people who owned the
    deal over time, its proposals, and the chain of documents from the deal to
    the payments."""

    _inherit = "crm.lead"

    lead_contact_ids = fields.One2many("crm.lead.contact", "lead_id", string="Contact Persons")
    owner_log_ids = fields.One2many("crm.lead.owner.log", "lead_id", string="Owner History", readonly=True)
    previous_user_ids = fields.Many2many(
        "res.users",
        compute="_compute_previous_user_ids",
        string="Previous Salespeople",
        help="Salespeople who owned this deal before its current one.",
    )

    @api.depends("owner_log_ids.user_id", "owner_log_ids.date_to", "user_id")
    def _compute_previous_user_ids(self):
        for lead in self:
            previous = lead.owner_log_ids.filtered("date_to").user_id
            lead.previous_user_ids = previous - lead.user_id

    # ------------------------------------------------------------------
    # Owner history
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads.filtered("user_id")._crm_pipeline_owner_log_open()
        return leads

    def write(self, vals):
        if "user_id" not in vals:
            return super().write(vals)
        new_user_id = vals["user_id"] or False
        reassigned = self.filtered(lambda lead: lead.user_id.id != new_user_id)
        result = super().write(vals)
        if reassigned:
            reassigned._crm_pipeline_owner_log_close()
            reassigned.filtered("user_id")._crm_pipeline_owner_log_open()
        return result

    def action_take(self):
        # The lead pool hands a lead over with a conditional UPDATE (atomic), not with write():
        # the new owner's period starts here. An unassigned lead has no open period to close.
        action = super().action_take()
        self._crm_pipeline_owner_log_open()
        return action

    def _crm_pipeline_owner_log_open(self):
        """Start an owner period for the current salesperson of each lead of ``self``.

        Code that assigns leads without ``write`` (like the pool's atomic take,
        see ``action_take``) calls ``_crm_pipeline_owner_log_close()`` and this method."""
        if not self:
            return
        now = fields.Datetime.now()
        # The log is kept by the system, not by the user who assigns the lead:
        # salespeople may read it but not write it.
        self.env["crm.lead.owner.log"].sudo().create(
            [
                {
                    "lead_id": lead.id,
                    "user_id": lead.user_id.id,
                    "team_id": lead.team_id.id,
                    "company_id": lead.company_id.id,
                    "date_from": now,
                }
                for lead in self
            ]
        )

    def _crm_pipeline_owner_log_close(self):
        """End the open owner periods of the leads of ``self``."""
        if not self:
            return
        # see _crm_pipeline_owner_log_open(): the log is written by the system only
        open_logs = self.env["crm.lead.owner.log"].sudo().search([("lead_id", "in", self.ids), ("date_to", "=", False)])
        open_logs.write({"date_to": fields.Datetime.now()})

    # ------------------------------------------------------------------
    # Document chain
    # ------------------------------------------------------------------

    def get_crm_pipeline_document_chain(self):
        """The document chain of the deals of ``self`` for the deal card (called by its widget)."""
        self.check_access("read")
        return self._crm_pipeline_document_chain()

    def _crm_pipeline_document_chain(self):
        """The documents of each deal of ``self``, as the current user may see them.

        Returns one node per deal; a node is a dict with ``model``, ``id``,
        ``name``, ``state`` (technical value), ``state_label``, ``amount``,
        ``currency_id``, ``date``, ``accessible`` (the user may open it) and
        ``children``; the deal's node also has ``levels``: per level (orders,
        deliveries, invoices, payments) the count, the count of documents the
        user may not read and the amounts per currency.

        deal -> quotations / sale orders -> deliveries and invoices
        (customer invoices and credit notes) -> payments reconciled with them.

        Documents that exist but that the user may not read appear as one
        node per parent with ``restricted`` = their count. Payments are what
        the invoice's own payment widget shows to whoever may read the
        invoice; their link is only active when the user may open them.

        The number of queries does not depend on the number of documents:
        each level is read in one batch, first the links between documents
        (as superuser, ids only, so that what is hidden can be counted), then
        the documents themselves with the user's access rights."""
        return _DocumentChain(self).build()


class _DocumentChain:
    """Builds the document chain of some deals level by level (see
    ``crm.lead._crm_pipeline_document_chain``)."""

    def __init__(self, leads):
        self.env = leads.env
        self.leads = leads
        self.levels = {lead.id: {} for lead in leads}
        # datetimes are shown as dates in the user's time zone
        try:
            self.tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        except pytz.UnknownTimeZoneError:
            self.tz = pytz.utc

    # helpers ----------------------------------------------------------------

    def _state_labels(self, model, field_name):
        return dict(self.env[model]._fields[field_name]._description_selection(self.env))

    def _readable(self, model, ids, field_names=()):
        """The records among ``ids`` of ``model`` the current user may read (access rights and record
        rules), with ``field_names`` fetched in the same query."""
        Model = self.env[model]
        if not ids or not Model.has_access("read"):
            return Model.browse()
        return Model.search_fetch([("id", "in", list(ids))], field_names, order="id")

    def _node(self, record, name, state=False, state_label=False, amount=False, currency=False, date=False):
        return {
            "model": record._name,
            "id": record.id,
            "name": name,
            "state": state,
            "state_label": state_label,
            "amount": amount,
            "currency_id": currency.id if currency else False,
            "date": _to_string(date, self.tz),
            "accessible": True,
            "restricted": 0,
            "children": [],
        }

    def _restricted_node(self, model, count):
        return {
            "model": model,
            "id": False,
            "name": _("%(count)s more not accessible", count=count),
            "state": False,
            "state_label": False,
            "amount": False,
            "currency_id": False,
            "date": False,
            "accessible": False,
            "restricted": count,
            "children": [],
        }

    def _count(self, lead_id, level, record_key=None, amount=0.0, currency=None, amount_key=None, restricted=0):
        """Add a document (or ``restricted`` hidden documents) to a level of a deal's summary.

        A document under several parents is counted once; its amount is added
        once per ``amount_key`` (by default the document itself)."""
        stats = self.levels[lead_id].setdefault(
            level, {"ids": set(), "amount_keys": set(), "restricted": 0, "amounts": defaultdict(float)}
        )
        stats["restricted"] += restricted
        if record_key is None:
            return
        stats["ids"].add(record_key)
        amount_key = record_key if amount_key is None else amount_key
        if currency and amount_key not in stats["amount_keys"]:
            stats["amount_keys"].add(amount_key)
            stats["amounts"][currency.id] += amount

    # levels -----------------------------------------------------------------

    def build(self):
        leads = self.leads
        leads.fetch(["name", "stage_id", "expected_revenue", "company_id", "date_open", "create_date"])
        leads.stage_id.fetch(["name"])
        leads.company_id.fetch(["currency_id"])
        lead_nodes = {}
        for lead in leads:
            lead_nodes[lead.id] = self._node(
                lead,
                lead.name,
                state=lead.stage_id.id,
                state_label=lead.stage_id.name,
                amount=lead.expected_revenue,
                currency=lead.company_id.currency_id or self.env.company.currency_id,
                date=lead.date_open or lead.create_date,
            )
        order_nodes = self._orders(lead_nodes)
        invoice_nodes = self._deliveries_and_invoices(order_nodes)
        self._payments(invoice_nodes)
        for lead_id, node in lead_nodes.items():
            node["levels"] = self._levels(lead_id)
        return list(lead_nodes.values())

    def _levels(self, lead_id):
        labels = [
            ("order", "sale.order", _("Quotations and orders")),
            ("delivery", "stock.picking", _("Deliveries")),
            ("invoice", "account.move", _("Invoices")),
            ("payment", "account.payment", _("Payments")),
        ]
        levels = []
        for key, model, label in labels:
            stats = self.levels[lead_id].get(key, {"ids": set(), "restricted": 0, "amounts": {}})
            levels.append(
                {
                    "key": key,
                    "model": model,
                    "label": label,
                    "count": len(stats["ids"]),
                    "restricted": stats["restricted"],
                    "amounts": [
                        {"currency_id": currency_id, "amount": amount}
                        for currency_id, amount in sorted(stats["amounts"].items())
                    ],
                }
            )
        return levels

    def _orders(self, lead_nodes):
        """Quotations and sale orders of the deals: ``{order_id: [(lead_id, node), ...]}``."""
        # ids only, as superuser: what exists, so that what the user may not read can be counted
        links = (
            self.env["sale.order"].sudo().search_fetch([("opportunity_id", "in", list(lead_nodes))], ["opportunity_id"])
        )
        order_lead = {link.id: link.opportunity_id.id for link in links}
        orders = self._readable(
            "sale.order", order_lead, ["name", "state", "amount_total", "currency_id", "date_order"]
        )
        readable = set(orders.ids)
        labels = self._state_labels("sale.order", "state")
        order_nodes = {}
        hidden = defaultdict(int)
        for order_id, lead_id in order_lead.items():
            if order_id not in readable:
                hidden[lead_id] += 1
        for order in orders.sorted(lambda o: (o.date_order, o.id)):
            lead_id = order_lead[order.id]
            node = self._node(
                order,
                order.name,
                state=order.state,
                state_label=labels.get(order.state),
                amount=order.amount_total,
                currency=order.currency_id,
                date=order.date_order,
            )
            lead_nodes[lead_id]["children"].append(node)
            order_nodes[order.id] = [(lead_id, node)]
            amount = order.amount_total if order.state != "cancel" else 0.0
            self._count(lead_id, "order", order.id, amount, order.currency_id)
        for lead_id, count in hidden.items():
            lead_nodes[lead_id]["children"].append(self._restricted_node("sale.order", count))
            self._count(lead_id, "order", restricted=count)
        return order_nodes

    def _deliveries_and_invoices(self, order_nodes):
        """Deliveries and invoices under the orders: ``{invoice_id: [(lead_id, node), ...]}``."""
        order_ids = list(order_nodes)
        if not order_ids:
            return {}
        # deliveries (and returns) of the orders
        picking_links = self.env["stock.picking"].sudo().search_fetch([("sale_id", "in", order_ids)], ["sale_id"])
        picking_order = {link.id: link.sale_id.id for link in picking_links}
        pickings = self._readable("stock.picking", picking_order, ["name", "state", "scheduled_date", "date_done"])
        readable = set(pickings.ids)
        labels = self._state_labels("stock.picking", "state")
        hidden = defaultdict(int)
        for picking_id, order_id in picking_order.items():
            if picking_id not in readable:
                hidden[order_id] += 1
        for picking in pickings:
            for lead_id, order_node in order_nodes[picking_order[picking.id]]:
                order_node["children"].append(
                    self._node(
                        picking,
                        picking.name,
                        state=picking.state,
                        state_label=labels.get(picking.state),
                        date=picking.date_done or picking.scheduled_date,
                    )
                )
                self._count(lead_id, "delivery", picking.id)
        self._add_hidden(order_nodes, hidden, "stock.picking", "delivery")

        # invoices and credit notes with lines of the orders, as superuser, ids only (see _orders)
        order_lines = (
            self.env["sale.order.line"]
            .sudo()
            .search_fetch(
                [("order_id", "in", order_ids), ("invoice_lines", "!=", False)], ["order_id", "invoice_lines"]
            )
        )
        invoice_lines = (
            self.env["account.move.line"]
            .sudo()
            .search_fetch(
                [("id", "in", order_lines.invoice_lines.ids), ("move_id.move_type", "in", INVOICE_TYPES)], ["move_id"]
            )
        )
        invoice_orders = defaultdict(set)
        for order_line in order_lines:
            for invoice_line in order_line.invoice_lines & invoice_lines:
                invoice_orders[invoice_line.move_id.id].add(order_line.order_id.id)
        invoices = self._readable(
            "account.move",
            invoice_orders,
            [
                "name",
                "state",
                "move_type",
                "payment_state",
                "amount_total_in_currency_signed",
                "currency_id",
                "invoice_date",
                "date",
            ],
        )
        readable = set(invoices.ids)
        state_labels = self._state_labels("account.move", "state")
        payment_labels = self._state_labels("account.move", "payment_state")
        hidden = defaultdict(int)
        for invoice_id, invoice_order_ids in invoice_orders.items():
            if invoice_id not in readable:
                for order_id in invoice_order_ids:
                    hidden[order_id] += 1
        invoice_nodes = defaultdict(list)
        for invoice in invoices:
            posted = invoice.state == "posted"
            state = invoice.payment_state if posted else invoice.state
            for order_id in sorted(invoice_orders[invoice.id]):
                for lead_id, order_node in order_nodes[order_id]:
                    node = self._node(
                        invoice,
                        invoice.name or _("Draft invoice"),
                        state=state,
                        state_label=payment_labels.get(state) if posted else state_labels.get(state),
                        amount=invoice.amount_total_in_currency_signed,
                        currency=invoice.currency_id,
                        date=invoice.invoice_date or invoice.date,
                    )
                    order_node["children"].append(node)
                    invoice_nodes[invoice.id].append((lead_id, node))
                    amount = invoice.amount_total_in_currency_signed if invoice.state != "cancel" else 0.0
                    self._count(lead_id, "invoice", invoice.id, amount, invoice.currency_id)
        self._add_hidden(order_nodes, hidden, "account.move", "invoice")
        return invoice_nodes

    def _payments(self, invoice_nodes):
        """Payments (and other entries, e.g. credit notes) reconciled with the invoices.

        The same data as the invoice's payment widget, which Odoo shows to
        whoever may read the invoice; computed for all invoices at once."""
        if not invoice_nodes:
            return
        # reconciliation is read as superuser, like account.move's payment widget does
        receivables = (
            self.env["account.move.line"]
            .sudo()
            .search_fetch(
                [("move_id", "in", list(invoice_nodes)), ("account_type", "in", RECEIVABLE_TYPES)], ["move_id"]
            )
        )
        partials = (
            self.env["account.partial.reconcile"]
            .sudo()
            .search_fetch(
                ["|", ("debit_move_id", "in", receivables.ids), ("credit_move_id", "in", receivables.ids)],
                [
                    "debit_move_id",
                    "credit_move_id",
                    "debit_amount_currency",
                    "credit_amount_currency",
                    "exchange_move_id",
                ],
            )
        )
        exchange_moves = set(partials.exchange_move_id.ids)
        counterparts = (partials.debit_move_id | partials.credit_move_id) - receivables
        counterparts.fetch(["move_id"])
        moves = counterparts.move_id
        moves.fetch(["name", "state", "date", "move_type", "origin_payment_id", "currency_id"])
        payments = moves.origin_payment_id
        payments.fetch(["name", "state", "date", "currency_id"])

        # {(invoice, entry): amount applied to the invoice, in the invoice's currency}
        applied = defaultdict(float)
        receivable_ids = set(receivables.ids)
        for partial in partials:
            if partial.debit_move_id.id in receivable_ids:
                invoice, entry = partial.debit_move_id.move_id, partial.credit_move_id.move_id
                applied[invoice, entry] += partial.debit_amount_currency
            if partial.credit_move_id.id in receivable_ids:
                invoice, entry = partial.credit_move_id.move_id, partial.debit_move_id.move_id
                applied[invoice, entry] += partial.credit_amount_currency

        readable_payments = set(self._readable("account.payment", payments.ids).ids)
        readable_moves = set(
            self._readable("account.move", moves.filtered(lambda move: not move.origin_payment_id).ids).ids
        )
        payment_labels = self._state_labels("account.payment", "state")
        move_labels = self._state_labels("account.move", "state")
        for (invoice, entry), amount in sorted(applied.items(), key=lambda item: (item[0][1].date, item[0][1].id)):
            if entry.id in exchange_moves or entry.id in invoice_nodes:
                # exchange differences are not payments; an invoice of the same chain shows itself
                continue
            sign = -1 if invoice.move_type == "out_refund" else 1
            payment = entry.origin_payment_id
            if payment:
                record, name, state, label = payment, payment.name, payment.state, payment_labels.get(payment.state)
                accessible = payment.id in readable_payments
            else:
                record, name, state, label = entry, entry.name, entry.state, move_labels.get(entry.state)
                accessible = entry.id in readable_moves
            for lead_id, invoice_node in invoice_nodes[invoice.id]:
                node = self._node(
                    record,
                    name,
                    state=state,
                    state_label=label,
                    amount=sign * amount,
                    currency=invoice.currency_id,
                    date=(payment or entry).date,
                )
                node["accessible"] = accessible
                invoice_node["children"].append(node)
                self._count(
                    lead_id,
                    "payment",
                    (record._name, record.id),
                    sign * amount,
                    invoice.currency_id,
                    amount_key=(record._name, record.id, invoice.id),
                )

    def _add_hidden(self, parent_nodes, hidden, model, level):
        for parent_id, count in hidden.items():
            for lead_id, parent_node in parent_nodes[parent_id]:
                parent_node["children"].append(self._restricted_node(model, count))
                self._count(lead_id, level, restricted=count)
