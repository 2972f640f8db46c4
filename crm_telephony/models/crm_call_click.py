import logging
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .crm_call import CLICK_TO_CALL_CLAIM_WINDOW, CLICK_TO_CALL_PREFIX

# unclaimed click-to-calls closed per run of the hourly job
CLOSE_BATCH = 1000

_logger = logging.getLogger(__name__)


class CrmCall(models.Model):
    """Click-to-call: the PBX rings the user's extension, then dials the client."""

    _inherit = "crm.call"

    @api.model
    def _crm_click_to_call_extension(self):
        """The current user's extension to call from: on an active PBX of the current
        company first, else of another company the user is working in."""
        # sudo: extensions and PBXs are configuration; only the current user's own
        # extension is looked up.
        extensions = (
            self.env["crm.pbx.extension"]
            .sudo()
            .search(
                [
                    ("user_id", "=", self.env.uid),
                    ("pbx_id.active", "=", True),
                    ("company_id", "in", self.env.companies.ids),
                ]
            )
        )
        return extensions.sorted(lambda ext: (ext.company_id != self.env.company, ext.pbx_id.sequence, ext.id))[:1]

    @api.model
    def crm_click_to_call_available(self):
        """Whether the current user may call through a PBX (shows the phone fields' button)."""
        return bool(self._crm_click_to_call_extension())

    @api.model
    def action_click_to_call(self, number, res_model=False, res_id=False):
        """Call `number` from the current user's extension through their PBX.

        `res_model`/`res_id` tell which record the number was clicked on: a contact or a
        deal is linked to the call. Creates the outgoing call (ringing) and returns
        ``{"ok": True, "call_id", "number"}``; when the PBX refuses or does not answer,
        nothing is created and ``{"ok": False, "message"}`` tells why.
        """
        number = (number or "").strip()
        if not number:
            raise UserError(_("There is no number to call."))
        extension = self._crm_click_to_call_extension()
        if not extension:
            raise UserError(
                _("You have no extension on a telephone exchange: ask your CRM administrator to give you one.")
            )
        partner, lead = self._crm_click_to_call_record(res_model, res_id)
        identified = self._crm_identify_caller(number)
        if not partner:
            partner = identified["partner"]
        if not lead:
            lead = identified["lead"]
        pbx = extension.pbx_id
        dial = identified["number_e164"] or number
        try:
            # sudo: the PBX's API credentials are readable by administrators only; the
            # user only rings their own extension.
            answer = pbx.sudo()._crm_telephony_originate(extension.extension, dial)
        except UserError as exc:
            _logger.info("Click-to-call of user %s to %s through %s failed: %s", self.env.uid, dial, pbx.name, exc)
            return {"ok": False, "message": exc.args[0], "number": dial}
        external_id = self._crm_click_to_call_external_id(answer)
        # sudo: salespeople do not create calls (the PBX does); this one is theirs.
        call = self.sudo().create(
            {
                "pbx_id": pbx.id,
                "external_id": external_id,
                "direction": "out",
                "number_raw": number,
                "number_e164": identified["number_e164"] or False,
                "extension": extension.extension,
                "partner_id": partner.id,
                "lead_id": lead.id,
                "user_id": self.env.uid,
                "team_id": (lead.team_id or self.env.user.sale_team_id).id,
                "state": "ringing",
                "date_start": fields.Datetime.now(),
                "company_id": pbx.company_id.id,
            }
        )
        return {"ok": True, "call_id": call.id, "number": dial}

    @api.model
    def _crm_click_to_call_record(self, res_model, res_id):
        """The contact and the deal of the record the number was clicked on, if readable."""
        partner, lead = self.env["res.partner"], self.env["crm.lead"]
        if not (res_model and res_id) or res_model not in ("res.partner", "crm.lead"):
            return partner, lead
        record = self.env[res_model].browse(int(res_id)).exists()
        if not record or not record.has_access("read"):
            return partner, lead
        if res_model == "res.partner":
            return record, lead
        return record.partner_id, record

    @api.model
    def _crm_click_to_call_external_id(self, answer):
        """The PBX's id of the originated call (its later events merge into our call), else an
        id of ours that the PBX's first event of the call replaces with its own."""
        if isinstance(answer, dict):
            for key in ("call_id", "pbx_call_id", "id"):
                if answer.get(key):
                    return str(answer[key])
            if answer.get("origin_ref"):
                # the PBX's events will name the request (Mango's command_id)
                return f"{CLICK_TO_CALL_PREFIX}{answer['origin_ref']}"
        # the PBX's first event of the call claims it (crm.call._crm_call_click_to_call_claim)
        return f"{CLICK_TO_CALL_PREFIX}{uuid.uuid4()}"

    @api.model
    def _cron_close_unclaimed_click_to_calls(self):
        """Scheduled job: a click-to-call that no event of its PBX claimed within the claim window
        (``_crm_call_click_to_call_claim``) can no longer be claimed. It ends as failed, with the
        reason in its result, instead of ringing forever in the lists and statistics: the manager
        did not pick their phone up, or the PBX sends no events."""
        self.flush_model(["direction", "state", "external_id", "create_date"])
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                SELECT id FROM crm_call
                 WHERE direction = 'out' AND state = 'ringing' AND starts_with(external_id, %s)
                   AND create_date < (now() AT TIME ZONE 'UTC') - %s
                 ORDER BY id
                 LIMIT %s
                """,
                    CLICK_TO_CALL_PREFIX,
                    CLICK_TO_CALL_CLAIM_WINDOW,
                    CLOSE_BATCH + 1,
                )
            )
        ]
        calls = self.sudo().browse(ids[:CLOSE_BATCH])
        reason = _("The telephone exchange reported no call for this click.")
        for call in calls:
            call.write({"state": "failed", "date_end": call.date_start, "result": call.result or reason})
        self.env["ir.cron"]._notify_progress(done=len(calls), remaining=len(ids) - len(calls))
        return len(calls)
