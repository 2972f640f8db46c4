from odoo import _, api, fields, models
from odoo.exceptions import AccessError

# How many open deals and past interactions the popup lists.
POPUP_DEALS = 5
POPUP_INTERACTIONS = 5


class CrmCall(models.Model):
    """The incoming-call popup: who is calling, shown to the manager whose phone rings."""

    _inherit = "crm.call"

    # ------------------------------------------------------------------
    # Bus notification
    # ------------------------------------------------------------------

    def _crm_call_notify_ringing(self):
        """Show the incoming-call popup to the manager whose phone rings.

        Called by the call merge each time an incoming call becomes (or, with more
        information, stays) ringing. The popup goes to the user of the ringing
        extension on the call's PBX or, when the extension is not a user's (a queue)
        or unknown, to the identified responsible manager of the call. The payload is
        built with that user's access rights: the popup never shows a deal or a
        client the user may not open.
        """
        for call in self:
            if call.state != "ringing" or call.direction != "in":
                continue
            for user in call._crm_popup_recipients():
                payload = call.with_user(user).with_company(call.company_id)._crm_popup_payload()
                self.env["bus.bus"]._sendone(user.partner_id, "crm_telephony/incoming_call", payload)

    def _crm_popup_recipients(self):
        """The users to show the popup of this call to (see _crm_call_notify_ringing)."""
        self.ensure_one()
        # sudo: the call merge runs as the PBX (superuser) or as any user; which
        # extension belongs to whom is configuration, read narrowly here.
        call = self.sudo()
        users = self.env["res.users"]
        if call.extension:
            users = (
                self.env["crm.pbx.extension"]
                .sudo()
                .search([("pbx_id", "=", call.pbx_id.id), ("extension", "=", call.extension)], limit=1)
                .user_id
            )
        if not users:
            users = call.user_id
        return users.filtered(
            lambda user: user.active and not user.share and call.company_id in user.company_ids
        ).with_env(self.env)

    def _crm_popup_payload(self):
        """The popup's content for the current user, as a JSON-able dict.

        Keys: ``call_id``, ``number``, ``direction``, ``state``, ``date_start`` (UTC
        "YYYY-MM-DD HH:MM:SS"), ``extension``, ``pbx`` (name), ``company`` ({id, name}: our
        company the call came to), ``known`` (False for an unknown caller: no contact has the
        number; the call may still have a lead, e.g. the pool lead made for the number),
        ``partner`` (the contact: {id, name, function,
        phone, email} or False), ``client`` (its company: {id, name} or False), ``manager``
        (the client's responsible manager, else the call's: {id, name} or False), ``deals``
        (the call's deal or lead and the client's open deals the user may read, best first:
        [{id, name, type, stage, amount, currency_id, user}]).

        The client's last interactions are not in it: the popup asks for them when it opens
        (``get_crm_popup_interactions``). Reading a timeline costs more than all the rest
        together, and the bus message is built while the PBX events are processed.
        """
        self.ensure_one()
        # sudo: the recipient's phone rings for this call; it may be another
        # manager's call (the own-calls rule would hide it), its identification
        # fields are what the popup is about.
        call = self.sudo()
        partner = call.partner_id.with_env(self.env)
        if partner and not partner.has_access("read"):
            partner = partner.browse()
        client = partner.commercial_partner_id
        deals = self._crm_popup_deals(client, call.lead_id.with_env(self.env))
        manager = client.user_id or call.user_id
        return {
            "call_id": call.id,
            "number": call.number_e164 or call.number_raw or "",
            "direction": call.direction,
            "state": call.state,
            "date_start": fields.Datetime.to_string(call.date_start) if call.date_start else False,
            "extension": call.extension or "",
            "pbx": call.pbx_id.name,
            "company": {"id": call.company_id.id, "name": call.company_id.name},
            "known": bool(partner),
            "partner": {
                "id": partner.id,
                "name": partner.name or partner.display_name,
                "function": partner.function or "",
                "phone": partner.phone or partner.mobile or "",
                "email": partner.email or "",
            }
            if partner
            else False,
            "client": {"id": client.id, "name": client.name or client.display_name} if client else False,
            "manager": {"id": manager.id, "name": manager.sudo().name} if manager else False,
            "deals": [
                {
                    "id": deal.id,
                    "name": deal.name,
                    "type": deal.type,
                    "stage": deal.stage_id.name or "",
                    "amount": deal.expected_revenue,
                    "currency_id": deal.company_currency.id,
                    "user": deal.user_id.name or "",
                }
                for deal in deals
            ],
        }

    @api.model
    def _crm_popup_deals(self, client, lead):
        """Open deals of the client the current user may read, the call's deal first."""
        deals = self.env["crm.lead"]
        if lead and lead.has_access("read") and lead.active and not lead.stage_id.is_won:
            deals = lead
        if client:
            domain = [
                ("partner_id", "child_of", client.id),
                ("id", "not in", deals.ids),
                ("type", "=", "opportunity"),
                "|",
                ("stage_id", "=", False),
                ("stage_id.is_won", "=", False),
            ]
            deals |= self.env["crm.lead"].search(
                domain, order="priority desc, date_deadline asc, id desc", limit=POPUP_DEALS - len(deals)
            )
        return deals

    def get_crm_popup_interactions(self):
        """Latest entries of the timeline of this call's client, for its popup, as the current user
        may see them: [{date, date_only, kind, label, icon, title, who, res_model, res_id}]."""
        self.ensure_one()
        self._crm_popup_check_recipient()
        # sudo: as in _crm_popup_payload, the recipient may not own the call
        partner = self.sudo().partner_id.with_env(self.env)
        if not partner or not partner.has_access("read"):
            return []
        return self._crm_popup_interactions(partner.commercial_partner_id)

    @api.model
    def _crm_popup_interactions(self, client):
        """Latest entries of the client's timeline (crm_pipeline's crm.timeline), as the
        current user may see them (the timeline applies the user's access per source)."""
        feed = self.env["crm.timeline"].get_timeline(partner_id=client.id, limit=POPUP_INTERACTIONS)
        return [
            {
                "date": entry["date"],
                "date_only": entry["date_only"],
                "kind": entry["kind"],
                "label": entry["label"],
                "icon": entry["icon"],
                "title": entry["title"] or "",
                "who": entry["who"] or "",
                "res_model": entry["res_model"],
                "res_id": entry["res_id"],
            }
            for entry in feed["entries"]
        ]

    # ------------------------------------------------------------------
    # Popup buttons
    # ------------------------------------------------------------------

    def _crm_popup_check_recipient(self):
        """Raise unless the current user is someone the popup of this call is for."""
        self.ensure_one()
        if self.env.user not in self._crm_popup_recipients() and not self.has_access("read"):
            raise AccessError(_("This call is not yours: you cannot act on it from its popup."))

    def action_crm_popup_create_lead(self):
        """ "Create lead" on the popup of an unknown caller: the number's lead in the pool.

        The lead the call merge gives an unknown number (one per number and day, channel
        "Phone"), created now if the call has none yet.
        """
        self.ensure_one()
        self._crm_popup_check_recipient()
        # sudo: the recipient may not own the call; the lead is created in the pool.
        call = self.sudo()
        lead = (call.lead_id or call._crm_call_unknown_caller_lead(call.pbx_id)).with_env(self.env)
        if not lead.has_access("read"):
            raise AccessError(
                _("The lead of this number, %(lead)s, is not yours: ask its salesperson.", lead=lead.sudo().name)
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": lead.id,
            "views": [[False, "form"]],
            "target": "current",
        }
