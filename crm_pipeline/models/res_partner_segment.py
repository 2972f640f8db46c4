from odoo import fields, models

from .crm_segment import ABC_CLASSES, XYZ_CLASSES


class ResPartner(models.Model):
    """Segment and repeat-sale fields of a client (set on the commercial partner).

    The class fields are written by the segmentation (``crm.partner.segment``),
    the next-order fields by the repeat-sale forecast (``crm.repeat.forecast``);
    both are read-only in the interface."""

    _inherit = "res.partner"

    crm_abc_class = fields.Selection(
        ABC_CLASSES,
        string="ABC Class",
        readonly=True,
        copy=False,
        index=True,
        help="Share of the client in the company's revenue (or margin) over the segmentation period: "
        "A the biggest clients, C the smallest.",
    )
    crm_xyz_class = fields.Selection(
        XYZ_CLASSES,
        string="XYZ Class",
        readonly=True,
        copy=False,
        help="Regularity of the client's monthly revenue: X steady, Y variable, Z irregular. Empty for new clients.",
    )
    crm_segment = fields.Char(string="Segment", readonly=True, copy=False, help="ABC and XYZ classes, e.g. AX.")
    crm_segment_date = fields.Date(
        string="Classified On",
        readonly=True,
        copy=False,
        help="Date of the last classification that changed the client's classes.",
    )
    crm_segment_company_id = fields.Many2one(
        "res.company",
        string="Classified By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Company whose sales gave the client its classes.",
    )
    crm_pricelist_locked = fields.Boolean(
        string="Keep Pricelist",
        copy=False,
        help="The segmentation never changes the pricelist of this client.",
    )
    crm_segment_history_ids = fields.One2many(
        "crm.partner.segment.history", "partner_id", string="Segment History", readonly=True
    )
    crm_next_order_date = fields.Date(
        string="Next Order Expected",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Last order plus the median interval between the client's orders.",
    )
    crm_order_interval_days = fields.Float(
        string="Order Interval (days)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        help="Median number of days between the client's orders.",
    )
