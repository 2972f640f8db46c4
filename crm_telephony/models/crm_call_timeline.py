from odoo import _, api, models


class CrmTimeline(models.AbstractModel):
    """Calls on the client's (and the deal's) timeline.

    An entry is a call that rang through (answered, missed, busy or failed), dated when it started,
    titled "Incoming <contact>"; the record rules of calls decide who sees it. The client feed
    matches the call's contact (the client or one of its contacts): ``partner_id`` is indexed."""

    _inherit = "crm.timeline"

    @api.model
    def _timeline_sources(self):
        sources = super()._timeline_sources()
        sources.append(
            self._timeline_source(
                kind="call",
                label=_("Call"),
                model="crm.call",
                date_field="date_start",
                partner_field="partner_id",
                lead_field="lead_id",
                user_field="user_id",
                title_field="display_name",
                icon="fa-phone",
                domain=[("state", "!=", "ringing")],
                sequence=50,
            )
        )
        return sources
