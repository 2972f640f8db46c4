from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Exact-match keys for identifying a client by phone: E.164 numbers formatted through
    # phone_validation (the partner's country, else the company's). Precomputed so that creating a
    # partner costs no extra UPDATE; btree indexes so that matching is an index lookup, not an
    # ILIKE/regexp scan of res_partner.
    phone_e164 = fields.Char(
        string="Phone (E.164)",
        compute="_compute_phone_e164",
        store=True,
        precompute=True,
        index="btree_not_null",
        compute_sudo=True,
    )
    mobile_e164 = fields.Char(
        string="Mobile (E.164)",
        compute="_compute_phone_e164",
        store=True,
        precompute=True,
        index="btree_not_null",
        compute_sudo=True,
    )
    # Matching by e-mail compares normalised addresses: an equality lookup needs a btree index
    # (mail only gives res.partner an unindexed email_normalized).
    email_normalized = fields.Char(index="btree_not_null")

    @api.depends("phone", "mobile", "country_id")
    def _compute_phone_e164(self):
        for partner in self:
            country = partner.country_id or self.env.company.country_id
            partner.phone_e164 = partner._phone_format(number=partner.phone, country=country) or False
            partner.mobile_e164 = partner._phone_format(number=partner.mobile, country=country) or False
