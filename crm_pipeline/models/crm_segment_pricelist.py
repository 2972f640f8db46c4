from odoo import _, api, fields, models

from .crm_segment import ABC_CLASSES, XYZ_CLASSES


class CrmSegmentPricelist(models.Model):
    """Which pricelist the clients of a segment get when they are (re)classified.

    A client of class ``abc_class``/``xyz_class`` takes the mapping of both
    classes when there is one, else the mapping of its ABC class without XYZ
    class; without a mapping its pricelist stays. Clients with "Keep pricelist"
    (``crm_pricelist_locked``) are never changed."""

    _name = "crm.segment.pricelist"
    _description = "Segment Pricelist"
    _order = "company_id, abc_class, xyz_class, id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", string="Company", required=True, index=True, default=lambda self: self.env.company
    )
    abc_class = fields.Selection(ABC_CLASSES, string="ABC Class", required=True)
    xyz_class = fields.Selection(
        XYZ_CLASSES, string="XYZ Class", help="Leave empty for every client of the ABC class without a finer mapping."
    )
    pricelist_id = fields.Many2one(
        "product.pricelist", string="Pricelist", required=True, ondelete="restrict", check_company=True
    )

    # the key of the segment: abc + xyz class, e.g. "AX", or "A" for every XYZ class (unique per company)
    segment = fields.Char(compute="_compute_segment", store=True, precompute=True)

    _sql_constraints = [
        ("segment_uniq", "unique(company_id, segment)", "Each segment of a company can have only one pricelist."),
    ]

    @api.depends("abc_class", "xyz_class")
    def _compute_segment(self):
        for mapping in self:
            mapping.segment = (mapping.abc_class or "") + (mapping.xyz_class or "")

    @api.depends("segment", "pricelist_id")
    def _compute_display_name(self):
        for mapping in self:
            mapping.display_name = f"{mapping.segment or ''} → {mapping.pricelist_id.display_name or ''}"

    def action_crm_segment_apply_pricelists(self):
        """Give the selected mappings' pricelists to the current clients of their segments now
        (classification only applies them when a class changes)."""
        self.check_access("write")
        companies = self.company_id
        for company in companies:
            Segment = self.env["crm.partner.segment"].sudo()
            mappings = self.filtered(lambda m, c=company: m.company_id == c)
            Partner = self.env["res.partner"].sudo().with_context(active_test=False, tracking_disable=True)
            domain = [
                ("crm_segment_company_id", "=", company.id),
                ("crm_abc_class", "in", mappings.mapped("abc_class")),
            ]
            partners = Partner.search(domain)
            changes = Segment._crm_segment_pricelist_targets(company, partners)
            Segment._crm_segment_write_pricelists(company, Partner, changes)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "message": _("Segment pricelists applied.")},
        }
