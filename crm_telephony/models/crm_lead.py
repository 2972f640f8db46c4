from odoo import api, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # Odoo's phone_sanitized holds one number per lead (mobile, else phone): a caller dialling
    # from the other one would not be found. Two exact-match keys, built like the partners'
    # (res.partner._crm_telephony_phone_key), and btree-indexed (an index lookup, not an ILIKE
    # scan). Not precomputed: Odoo's phone and mobile are not either; they join the UPDATE that
    # stores Odoo's own computed fields after the INSERT, so creating a lead costs no extra query.
    phone_e164 = fields.Char(
        string="Phone (E.164)",
        compute="_compute_phone_e164",
        store=True,
        index="btree_not_null",
        compute_sudo=True,
    )
    mobile_e164 = fields.Char(
        string="Mobile (E.164)",
        compute="_compute_phone_e164",
        store=True,
        index="btree_not_null",
        compute_sudo=True,
    )

    @api.depends("phone", "mobile", "country_id", "company_id")
    def _compute_phone_e164(self):
        Partner = self.env["res.partner"]
        for lead in self:
            country = lead.country_id or lead.company_id.country_id or self.env.company.country_id
            lead.phone_e164 = Partner._crm_telephony_phone_key(lead.phone, country)
            lead.mobile_e164 = Partner._crm_telephony_phone_key(lead.mobile, country)
