from odoo import _, api, models


class CrmTimeline(models.AbstractModel):
    """Closed call tasks of telemarketing campaigns on the client's (and the deal's) timeline.

    An entry is a done task, dated when it was closed, titled "<campaign>: <client> (<result>)";
    the record rules of call tasks decide who sees it (a salesperson: their own tasks)."""

    _inherit = "crm.timeline"

    @api.model
    def _timeline_sources(self):
        sources = super()._timeline_sources()
        sources.append(
            self._timeline_source(
                kind="call_task",
                label=_("Campaign call"),
                model="crm.call.task",
                date_field="date_done",
                partner_field="partner_id",
                lead_field="lead_id",
                user_field="user_id",
                title_field="display_name",
                icon="fa-bullhorn",
                domain=[("state", "=", "done")],
                sequence=52,
            )
        )
        return sources
