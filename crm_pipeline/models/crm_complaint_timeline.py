from odoo import _, api, models


class CrmTimeline(models.AbstractModel):
    _inherit = "crm.timeline"

    @api.model
    def _timeline_sources(self):
        """Complaints in the client's feed, and in the feed of the deal whose sale order they are
        about, dated when they were recorded; the current user's rules on ``crm.complaint`` decide
        which ones show."""
        sources = super()._timeline_sources()
        sources.append(
            self._timeline_source(
                kind="complaint",
                label=_("Complaint"),
                model="crm.complaint",
                date_field="create_date",
                partner_field="commercial_partner_id",
                lead_field="sale_order_id.opportunity_id",
                user_field="user_id",
                title_field="display_name",
                icon="fa-exclamation-triangle",
                sequence=70,
            )
        )
        return sources
