from odoo import fields, models


class CrmComplaintCategory(models.Model):
    """What a complaint is about (quality, delivery delay, wrong item, ...);
    configured by the CRM administrator, reported on by heads of sales."""

    _name = "crm.complaint.category"
    _description = "Complaint Category"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(
        translate=True, help="What belongs to this category, for the people who record complaints."
    )
    complaint_count = fields.Integer(compute="_compute_complaint_count", string="Complaints")

    def _compute_complaint_count(self):
        counts = dict(
            self.env["crm.complaint"]._read_group([("category_id", "in", self.ids)], ["category_id"], ["__count"])
        )
        for category in self:
            category.complaint_count = counts.get(category, 0)
