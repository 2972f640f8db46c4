from odoo import api, fields, models

from .crm_segment import ABC_CLASSES, XYZ_CLASSES


class CrmPartnerSegmentHistory(models.Model):
    """One row each time a client's ABC or XYZ class changes (never for a run that keeps it)."""

    _name = "crm.partner.segment.history"
    _description = "Client Segment History"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Client", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", string="Company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    old_abc_class = fields.Selection(ABC_CLASSES, string="Old ABC Class", readonly=True)
    new_abc_class = fields.Selection(ABC_CLASSES, string="New ABC Class", readonly=True)
    old_xyz_class = fields.Selection(XYZ_CLASSES, string="Old XYZ Class", readonly=True)
    new_xyz_class = fields.Selection(XYZ_CLASSES, string="New XYZ Class", readonly=True)
    old_segment = fields.Char(compute="_compute_segments", store=True)
    new_segment = fields.Char(compute="_compute_segments", store=True)
    revenue = fields.Monetary(readonly=True, help="Revenue of the period when the class changed.")
    value = fields.Monetary(string="ABC Measure", readonly=True, help="The revenue or the margin of the period.")
    cv = fields.Float(
        string="Variation (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Coefficient of variation of the monthly revenue.",
    )
    old_pricelist_id = fields.Many2one("product.pricelist", string="Old Pricelist", readonly=True)
    new_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="New Pricelist",
        readonly=True,
        help="Segment pricelist given to the client with this change; empty when its pricelist stayed.",
    )

    @api.depends("old_abc_class", "old_xyz_class", "new_abc_class", "new_xyz_class")
    def _compute_segments(self):
        for row in self:
            row.old_segment = (row.old_abc_class or "") + (row.old_xyz_class or "") if row.old_abc_class else False
            row.new_segment = (row.new_abc_class or "") + (row.new_xyz_class or "") if row.new_abc_class else False
