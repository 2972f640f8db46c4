from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmLeadContact(models.Model):
    """A person of the client involved in a deal, with the role they play in it.

    The person must be an individual (not a company) and, once the deal has a
    client, one of the client's people: a deal's buying committee belongs to
    the client the deal is with. A deal without a client yet may list any person."""

    _name = "crm.lead.contact"
    _description = "Contact Person of a Deal"
    _order = "lead_id, sequence, id"
    _rec_name = "partner_id"

    lead_id = fields.Many2one("crm.lead", string="Deal", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)
    client_id = fields.Many2one(
        "res.partner", string="Client", related="lead_id.partner_id.commercial_partner_id", readonly=True
    )
    sequence = fields.Integer(default=10)
    partner_id = fields.Many2one("res.partner", string="Person", required=True, ondelete="cascade", index=True)
    role_id = fields.Many2one("crm.contact.role", string="Role", ondelete="restrict")
    note = fields.Char()
    function = fields.Char(related="partner_id.function", string="Job Position")
    phone = fields.Char(related="partner_id.phone")
    mobile = fields.Char(related="partner_id.mobile")
    email = fields.Char(related="partner_id.email")

    _sql_constraints = [
        (
            "lead_partner_uniq",
            "unique(lead_id, partner_id)",
            "A person is listed once per deal; change their role instead.",
        ),
    ]

    @api.constrains("lead_id", "partner_id")
    def _check_partner_is_client_person(self):
        for contact in self:
            person = contact.partner_id
            if person.is_company:
                raise ValidationError(
                    _("%(partner)s is a company: a deal's contacts are people.", partner=person.display_name)
                )
            client = contact.lead_id.partner_id.commercial_partner_id
            if client and person.commercial_partner_id != client:
                raise ValidationError(
                    _(
                        "%(partner)s is not a person of %(client)s, the client of the deal %(deal)s.",
                        partner=person.display_name,
                        client=client.display_name,
                        deal=contact.lead_id.display_name,
                    )
                )
