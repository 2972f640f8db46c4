from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # When the quotation was first sent: sale sets the state to "sent" without tracking when the
    # quotation is e-mailed, so the date is kept here for the timeline ("Quotation sent").
    crm_date_quotation_sent = fields.Datetime(
        string="Quotation Sent On",
        readonly=True,
        copy=False,
        help="When the quotation was first sent to the client (e-mailed or marked as sent).",
    )

    def _auto_init(self):
        """On install, date the quotations already sent from their first customer message."""
        fill = not column_exists(self.env.cr, self._table, "crm_date_quotation_sent")
        res = super()._auto_init()
        if fill:
            self._crm_timeline_backfill_quotation_sent()
        return res

    def _crm_timeline_backfill_quotation_sent(self):
        """One UPDATE: orders in state sent/sale get the date of the first message sent on them
        before confirmation (or marking as sent); quotations still "sent" without any message get
        their quotation date."""
        subtypes = [
            self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=False)
            for xmlid in ("mail.mt_comment", "sale.mt_order_sent")
        ]
        self.env.cr.execute(
            SQL(
                """
                UPDATE sale_order so
                   SET crm_date_quotation_sent = COALESCE(
                           (SELECT MIN(m.date) FROM mail_message m
                             WHERE m.model = 'sale.order' AND m.res_id = so.id
                               AND m.subtype_id = ANY(%(subtypes)s)
                               AND (so.state = 'sent' OR m.date <= so.date_order)),
                           CASE WHEN so.state = 'sent' THEN so.date_order END)
                 WHERE so.state IN ('sent', 'sale')
                """,
                subtypes=[s for s in subtypes if s],
            )
        )

    def write(self, vals):
        if vals.get("state") == "sent" and "crm_date_quotation_sent" not in vals:
            unsent = self.filtered(lambda order: not order.crm_date_quotation_sent)
            if unsent:
                super(SaleOrder, unsent).write(dict(vals, crm_date_quotation_sent=fields.Datetime.now()))
                rest = self - unsent
                return super(SaleOrder, rest).write(vals) if rest else True
        return super().write(vals)
