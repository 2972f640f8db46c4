import re

from odoo import api, models

# Where the extension part of a written number starts: "доб. 123", "ext. 12", "x12", "#12", ", 12".
EXTENSION_SPLIT_RE = re.compile(r"(?:доб|вн|ext|extension|x|#|,|;)", re.IGNORECASE)
NON_DIGITS_RE = re.compile(r"\D")
# E.164: at most 15 digits; shorter than 8 is an extension or a service number, not a client.
E164_MIN_DIGITS = 8
E164_MAX_DIGITS = 15


class ResPartner(models.Model):
    _inherit = "res.partner"

    def write(self, vals):
        res = super().write(vals)
        # crm.pbx._crm_telephony_company_country caches the country of each company's partner
        if "country_id" in vals and self.ids:
            companies = self.env["res.company"].sudo().with_context(active_test=False)
            if companies.search_count([("partner_id", "in", self.ids)], limit=1):
                self.env.registry.clear_cache()
        return res

    @api.model
    def _crm_telephony_phone_key(self, number, country=None):
        """The E.164 key of a written or dialled phone number, False when it is none.

        The same function builds the stored keys (partners, leads) and the key of an incoming
        number, so that "+7 915 111-22-33", "8 (915) 111-22-33" and "79151112233" meet:

        1. phone_validation (libphonenumber) with ``country`` (default: the company's), which
           understands national prefixes (8 in Russia), brackets, dashes and "ext."/"доб." suffixes;
        2. digits sent without their "+" (PBXs often do: "375291234567", "79151112233");
        3. a number written with "+" or "00" that libphonenumber does not know as valid (new
           ranges, made-up demo data) keeps "+" and its digits, the extension cut off.
        """
        number = (number or "").strip()
        if not number:
            return False
        country = country or self.env.company.country_id
        key = self._phone_format(number=number, country=country, force_format="E164") if country else False
        if key:
            return key
        main = EXTENSION_SPLIT_RE.split(number, maxsplit=1)[0].strip()
        digits = NON_DIGITS_RE.sub("", main)
        international = main.startswith("+") or main.startswith("00")
        if main.startswith("00"):
            digits = digits[2:]
        if not international and len(digits) > 10:
            key = self._phone_format(number=f"+{digits}", country=country, force_format="E164") if country else False
            if key:
                return key
        if international and E164_MIN_DIGITS <= len(digits) <= E164_MAX_DIGITS:
            return f"+{digits}"
        return False

    @api.depends("phone", "mobile", "country_id")
    def _compute_phone_e164(self):
        """Numbers libphonenumber rejects still get a key when written internationally (see above)."""
        res = super()._compute_phone_e164()
        for partner in self:
            if (partner.phone and not partner.phone_e164) or (partner.mobile and not partner.mobile_e164):
                country = partner.country_id or self.env.company.country_id
                if partner.phone and not partner.phone_e164:
                    partner.phone_e164 = self._crm_telephony_phone_key(partner.phone, country)
                if partner.mobile and not partner.mobile_e164:
                    partner.mobile_e164 = self._crm_telephony_phone_key(partner.mobile, country)
        return res

    @api.model
    def _crm_telephony_fill_phone_keys(self):
        """Give a key to the numbers written before this module that only its rules recognise."""
        partners = self.with_context(active_test=False).search(
            [
                "|",
                "&",
                ("phone", "!=", False),
                ("phone_e164", "=", False),
                "&",
                ("mobile", "!=", False),
                ("mobile_e164", "=", False),
            ]
        )
        for fname in ("phone_e164", "mobile_e164"):
            self.env.add_to_compute(self._fields[fname], partners)
        partners.flush_recordset(["phone_e164", "mobile_e164"])
