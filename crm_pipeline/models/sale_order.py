from odoo import _, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    crm_complaint_count = fields.Integer(
        string="Complaints", compute="_compute_crm_complaint_count", groups="sales_team.group_sale_salesman"
    )

    def _compute_crm_complaint_count(self):
        counts = {}
        if self.ids and self.env["crm.complaint"].has_access("read"):
            counts = dict(
                self.env["crm.complaint"]._read_group(
                    [("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"]
                )
            )
        for order in self:
            order.crm_complaint_count = counts.get(order, 0)

    def action_crm_complaint_new(self):
        """Record a complaint about this order in a dialog: client, order and
        (when the order has a single product) the product are filled in; the
        delivery, invoice and product are chosen among the order's own."""
        self.ensure_one()
        return self.env["crm.complaint"]._crm_complaint_quick_create_action(
            {"default_sale_order_id": self.id, "default_partner_id": self.partner_id.id}
        )

    def action_crm_complaint_view(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_pipeline.crm_complaint_action")
        action["domain"] = [("sale_order_id", "=", self.id)]
        action["context"] = {
            "default_sale_order_id": self.id,
            "default_partner_id": self.partner_id.id,
        }
        action["display_name"] = _("Complaints about %(order)s", order=self.name)
        return action
