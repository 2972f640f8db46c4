from odoo import fields, models


class CrmContactRole(models.Model):
    """The part a person of the client plays in a deal: decision maker,
    economic buyer, user, technical expert... The CRM administrator keeps the list."""

    _name = "crm.contact.role"
    _description = "Contact Role in a Deal"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True, help="What a person with this role decides or needs in a deal.")
    color = fields.Integer()
    active = fields.Boolean(default=True)
