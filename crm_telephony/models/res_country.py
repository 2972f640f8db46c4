from odoo import models


class ResCountry(models.Model):
    _inherit = "res.country"

    def write(self, vals):
        res = super().write(vals)
        # crm.pbx._crm_telephony_company_country caches the codes of the companies' countries
        if {"code", "phone_code"} & set(vals):
            self.env.registry.clear_cache()
        return res
