from odoo import _, api, models


class CrmTimeline(models.AbstractModel):
    """Calls and campaign calls on the client's (and the deal's) timeline.

    - ``call``: a call that rang through (answered, missed, busy or failed), dated when it started,
      titled "Incoming <contact>"; the client feed matches the call's contact (the client or one of
      its contacts): ``partner_id`` is indexed.
    - ``call_task``: a done task of a telemarketing campaign, dated when it was closed, titled
      "<campaign>: <client> (<result>)" (a salesperson sees their own tasks).

    The record rules of calls and call tasks decide who sees which entry."""

    _inherit = "crm.timeline"

    @api.model
    def _timeline_sources(self):
        sources = super()._timeline_sources()
        common = {"partner_field": "partner_id", "lead_field": "lead_id", "user_field": "user_id"}
        sources += [
            self._timeline_source(
                kind="call",
                label=_("Call"),
                model="crm.call",
                date_field="date_start",
                title_field="display_name",
                icon="fa-phone",
                domain=[("state", "!=", "ringing")],
                sequence=50,
                **common,
            ),
            self._timeline_source(
                kind="call_task",
                label=_("Campaign call"),
                model="crm.call.task",
                date_field="date_done",
                title_field="display_name",
                icon="fa-bullhorn",
                domain=[("state", "=", "done")],
                sequence=52,
                **common,
            ),
        ]
        return sources
