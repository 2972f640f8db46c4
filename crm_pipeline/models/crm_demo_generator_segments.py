# Russian demo data: Cyrillic letters in strings are intended.
"""Demo data: segment pricelists, the ABC/XYZ classification of the generated clients and their
repeat-sale forecast with the reminders due today."""

import random

from odoo import Command, api, models

from .crm_demo_generator import _say

# (name, discount in %: negative is a surcharge); the base pricelist serves class B
SEGMENT_PRICELISTS = (
    ("AX", "Сегмент AX — скидка 7 %", 7.0),
    ("A", "Сегмент A — скидка 5 %", 5.0),
    ("C", "Сегмент C — наценка 3 %", -3.0),
)
# share of the clients whose manager keeps a negotiated pricelist ("Keep pricelist")
LOCKED_SHARE = 0.05


class CrmDemoGenerator(models.AbstractModel):
    _inherit = "crm.demo.generator"

    @api.model
    def _demo_steps(self):
        return self._demo_insert_step(
            super()._demo_steps(), "_demo_step_orders", "Segments and repeat sales", "_demo_step_segments"
        )

    @api.model
    def _demo_summary_models(self):
        return super()._demo_summary_models() + [
            "product.pricelist",
            "crm.segment.pricelist",
            "crm.partner.segment",
            "crm.partner.segment.history",
            "crm.repeat.forecast",
            "crm.repeat.reminder",
        ]

    def _demo_step_segments(self, ctx):
        """Segment pricelists and their mapping, a few clients with a kept pricelist, then the
        classification and the repeat-sale job exactly as the scheduled jobs run them."""
        company = ctx["company"]
        rng = random.Random(f"{ctx['seed']}:segments")
        currency = company.currency_id
        pricelists = {}
        for key, name, discount in SEGMENT_PRICELISTS:
            pricelists[key] = self.env["product.pricelist"].create(
                {
                    "name": name,
                    "currency_id": currency.id,
                    "company_id": company.id,
                    "item_ids": [
                        Command.create(
                            {"applied_on": "3_global", "compute_price": "percentage", "percent_price": discount}
                        )
                    ],
                }
            )
        base = ctx["pricelist"]
        self.env["crm.segment.pricelist"].create(
            [
                {"company_id": company.id, "abc_class": "A", "xyz_class": "X", "pricelist_id": pricelists["AX"].id},
                {"company_id": company.id, "abc_class": "A", "pricelist_id": pricelists["A"].id},
                {"company_id": company.id, "abc_class": "B", "pricelist_id": base.id},
                {"company_id": company.id, "abc_class": "C", "pricelist_id": pricelists["C"].id},
            ]
        )
        clients = ctx["clients"]
        locked = clients.browse(sorted(rng.sample(clients.ids, max(1, round(len(clients) * LOCKED_SHARE)))))
        locked.write({"crm_pricelist_locked": True})
        Segment = self.env["crm.partner.segment"]
        changed = Segment._crm_segment_run(company, batch_size=ctx["config"]["batch"] * 5)
        self._demo_commit()
        counts = Segment._read_group([("company_id", "=", company.id)], ["segment"], ["__count"])
        _say(
            f"  segments: {changed} clients classified: "
            + ", ".join(f"{segment or '-'} {count}" for segment, count in sorted(counts, key=lambda r: r[0] or ""))
        )
        Forecast = self.env["crm.repeat.forecast"]
        Forecast._crm_repeat_refresh_company(company)
        reminders = 0
        while created := Forecast._crm_repeat_remind(company, limit=ctx["config"]["batch"] * 5):
            reminders += created
        overdue = Forecast.search_count(
            [("company_id", "=", company.id), ("categ_id", "=", False), ("next_order_date", "<", ctx["today"])]
        )
        _say(
            f"  repeat sales: {Forecast.search_count([('company_id', '=', company.id)])} forecasts, "
            f"{reminders} reminders given, {overdue} clients overdue"
        )
