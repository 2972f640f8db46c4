from odoo import models


class ResCompany(models.Model):
    _inherit = "res.company"

    def write(self, vals):
        res = super().write(vals)
        # crm.pbx._crm_telephony_company_country caches the country of the company's partner
        if "partner_id" in vals:
            self.env.registry.clear_cache()
        return res
