"""Demo data for the deal card: the client's people on the deals, with their roles, and owner
periods that start when the (backdated) deals were created."""

from odoo import api, models
from odoo.tools import SQL

# role of the n-th person of the client listed on a deal
ROLE_XMLIDS = (
    "crm_pipeline.crm_contact_role_decision_maker",
    "crm_pipeline.crm_contact_role_technical_expert",
    "crm_pipeline.crm_contact_role_user",
    "crm_pipeline.crm_contact_role_economic_buyer",
)


class CrmDemoGenerator(models.AbstractModel):
    _inherit = "crm.demo.generator"

    @api.model
    def _demo_steps(self):
        return self._demo_insert_step(
            super()._demo_steps(), "_demo_step_leads", "Deal contacts and owner history", "_demo_step_deal_card"
        )

    @api.model
    def _demo_summary_models(self):
        return super()._demo_summary_models() + ["crm.lead.contact", "crm.lead.owner.log"]

    def _demo_step_deal_card(self, ctx):
        """List one to three of the client's people on each deal with a client, and start each owner
        period when its deal was created (the generator backdates the deals in SQL)."""
        rng = ctx["rng"]
        company = ctx["company"]
        roles = [self.env.ref(xmlid, raise_if_not_found=False) for xmlid in ROLE_XMLIDS]
        roles = [role for role in roles if role]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_lead_owner_log log
               SET date_from = lead.create_date
              FROM crm_lead lead
             WHERE lead.id = log.lead_id AND lead.company_id = %(company)s AND log.date_from > lead.create_date
            """,
                company=company.id,
            )
        )
        self.env["crm.lead.owner.log"].invalidate_model(["date_from"])
        deals = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("company_id", "=", company.id), ("type", "=", "opportunity"), ("partner_id", "!=", False)])
        )
        batch = ctx["config"]["batch"] * 5
        Contact = self.env["crm.lead.contact"]
        for start in range(0, len(deals), batch):
            chunk = deals[start : start + batch]
            chunk.partner_id.commercial_partner_id.child_ids.fetch(["is_company", "type", "commercial_partner_id"])
            vals_list = []
            for deal in chunk:
                people = deal.partner_id.commercial_partner_id.child_ids.filtered(
                    lambda partner: not partner.is_company and partner.type == "contact"
                )
                if not people:
                    continue
                count = min(len(people), rng.randint(1, 3))
                for position, person in enumerate(people[:count]):
                    vals_list.append(
                        {
                            "lead_id": deal.id,
                            "partner_id": person.id,
                            "role_id": roles[position % len(roles)].id if roles else False,
                        }
                    )
            Contact.create(vals_list)
            self._demo_commit()
