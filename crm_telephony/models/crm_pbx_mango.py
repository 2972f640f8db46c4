"""Mango Office (VPBX API): webhook verification, event translation and click-to-call.

Sources:

- Mango Office's support page "General questions about the VPBX API" (in Russian),
  https://www.mango-office.ru/support/integratsiya-api/restapivatshelp/obshchie_voprosy_po_api_vats_mango_office/):
  the request format — form fields ``vpbx_api_key``, ``sign``, ``json`` with
  ``sign = hash('sha256', $api_key . $json . $api_salt)`` (lower-case hex) — and the
  ``/vpbx/commands/callback`` example; the same scheme signs what the VPBX sends to
  ``<external system URL>/events/call``, ``/events/summary`` and ``/events/recording``.
- The VPBX API client https://github.com/Bobrovskih/mango-vpbx (npm ``mango-vpbx``):
  ``src/helpers/sign.js`` (the signature, and ``sha256(key + expires + recording_id + salt)`` of
  recording links), ``src/urls.js`` (command and event paths), ``src/helpers/index.js``
  (``createUrl`` of ``queries/recording/link/<recording_id>/<action>/<key>/<expires>/<sign>``),
  ``src/messages.js`` (result and disconnect_reason codes), and the event payloads of
  ``test/realtime.spec.js`` (events/call, events/recording, events/summary); the known-answer
  signatures of ``test/sign.spec.js`` are checked by our tests.

A call in Mango is an "entry" (`entry_id`) made of legs (`call_id`): the caller's leg, then one leg
per extension that rings. The CRM's call is the entry; the legs' Appeared/Connected events start and
answer it, and the summary (sent once per entry when it ends) ends it. Leg disconnections are not
the end of the call (a ring group drops the legs that did not answer), so they are journaled only.
"""

import hashlib
import hmac
import json
import re
import time
import uuid

import requests

from odoo import _, fields, models
from odoo.exceptions import UserError

from .crm_pbx import PbxRefused

MANGO_API_URL = "https://app.mango-office.ru/vpbx"
MANGO_TIMEOUT = 10  # seconds
MANGO_RESULT_OK = 1000

# disconnect_reason codes (src/messages.js) of an unanswered call, by meaning.
MANGO_BUSY = {1121, 1123}  # "busy" from the remote side; "do not disturb"
MANGO_NOT_ANSWERED = {
    1100,  # ended normally
    1110,  # ended by the caller
    1111,  # no answer within the waiting time
    1120,  # ended by the called party
    1122,  # rejected by the called party
    1180,  # ended by a user's command
    1181,  # ended by a command of an external system
    1182,  # picked up by another operator
}


def mango_sign(api_key, payload, api_salt):
    """The VPBX API's request signature: sha256 hex of key + json + salt."""
    return hashlib.sha256(f"{api_key}{payload}{api_salt}".encode()).hexdigest()


class CrmPbx(models.Model):
    _inherit = "crm.pbx"

    mango_api_url = fields.Char(
        string="Mango Office API URL",
        default=MANGO_API_URL,
        groups="crm_pipeline.group_crm_admin",
        help="Address of the Mango Office VPBX API.",
    )

    # ------------------------------------------------------------------
    # Webhook
    # ------------------------------------------------------------------

    def _crm_telephony_handshake_mango(self, req):
        return None

    def _crm_telephony_verify_mango(self, req):
        params = req["params"]
        api_key, sign, payload = params.get("vpbx_api_key"), params.get("sign"), params.get("json")
        if not (api_key and sign and payload is not None):
            raise PbxRefused(400, "A Mango Office request carries vpbx_api_key, sign and json")
        # The credentials never leave this method: it only recomputes the sender's signature.
        pbx = self.sudo()
        if not (pbx.api_key and pbx.api_secret):
            raise PbxRefused(403, "The Mango Office API key and salt of this PBX connection are not set")
        if not hmac.compare_digest(api_key.encode(), pbx.api_key.encode()):
            raise PbxRefused(403, "Unknown Mango Office API key")
        if not hmac.compare_digest(sign.lower().encode(), mango_sign(api_key, payload, pbx.api_secret).encode()):
            raise PbxRefused(403, "Bad Mango Office signature")
        try:
            data = json.loads(payload)
        except ValueError as error:
            raise PbxRefused(400, "The json field is not JSON") from error
        if not isinstance(data, dict):
            raise PbxRefused(400, "The json field is not a JSON object")

    def _crm_telephony_events_mango(self, req):
        """Normalised events of one VPBX notification (verified before).

        The kind of notification (the URL suffix /events/call, /events/summary, /events/recording)
        is recognised from its fields, which keeps it independent of the URL the VPBX appends.
        Other notifications (DTMF, SMS results, the connection check) carry nothing for a call.
        """
        data = json.loads(req["params"]["json"])
        try:
            if "recording_id" in data and "recording_state" in data:
                events = self._mango_recording_events(data)
            elif "call_state" in data:
                events = self._mango_call_events(data)
            elif "entry_result" in data or "create_time" in data:
                events = self._mango_summary_events(data)
            else:
                events = []
        except (TypeError, ValueError, AttributeError) as error:
            raise PbxRefused(400, f"Malformed Mango Office event: {error}") from error
        # An event without the entry it belongs to cannot be tied to a call.
        return [event for event in events if event["call_id"]]

    @staticmethod
    def _mango_parties(data):
        """(direction, client number, our extension) of a leg or summary, or None for internal calls."""
        caller, called = data.get("from") or {}, data.get("to") or {}
        if caller.get("extension") and called.get("extension"):
            return None
        if caller.get("extension"):
            return "out", str(called.get("number") or ""), str(caller["extension"])
        return "in", str(caller.get("number") or ""), str(called.get("extension") or "")

    def _mango_call_events(self, data):
        parties = self._mango_parties(data)
        kind = {"Appeared": "start", "Connected": "answer"}.get(data.get("call_state"))
        if parties is None or kind is None:
            # Internal calls; OnHold; Disconnected legs (the summary ends the call).
            return []
        direction, number, extension = parties
        return [
            {
                "external_id": f"{data.get('call_id')}:{data.get('seq')}",
                "call_id": str(data.get("entry_id") or data.get("call_id") or ""),
                "event": kind,
                "direction": direction,
                "number": number,
                "extension": extension,
                "timestamp": float(data.get("timestamp") or time.time()),
                "state": "",
                "recording_url": "",
                "talk_seconds": None,
                "origin_ref": str(data.get("command_id") or ""),
            }
        ]

    def _mango_summary_events(self, data):
        call_direction = int(data.get("call_direction") or 0)
        if call_direction not in (1, 2):
            return []  # 0: an internal call
        direction = "in" if call_direction == 1 else "out"
        caller, called = data.get("from") or {}, data.get("to") or {}
        end_time = float(data.get("end_time") or time.time())
        talk_time = float(data.get("talk_time") or 0)
        if int(data.get("entry_result") or 0) == 1:
            state = "answered"
        else:
            reason = int(data.get("disconnect_reason") or 0)
            if reason in MANGO_BUSY:
                state = "busy"
            elif direction == "in" or reason in MANGO_NOT_ANSWERED:
                # An incoming call nobody took is a missed call, whatever stopped it.
                state = "missed"
            else:
                state = "failed"
        return [
            {
                "external_id": f"{data.get('entry_id')}:summary",
                "call_id": str(data.get("entry_id") or ""),
                "event": "end",
                "direction": direction,
                "number": str((caller if direction == "in" else called).get("number") or ""),
                "extension": str((called if direction == "in" else caller).get("extension") or ""),
                "timestamp": end_time,
                "state": state,
                "recording_url": "",
                "talk_seconds": int(end_time - talk_time) if state == "answered" and talk_time else 0,
            }
        ]

    def _mango_recording_events(self, data):
        # Started/Continued come while recording; the file exists once Completed. A recording only
        # mailed ("recipient": "Mail") is not kept in Mango's cloud, so it has no link.
        if data.get("recording_state") != "Completed" or data.get("recipient") == "Mail":
            return []
        timestamp = float(data.get("timestamp") or time.time())
        return [
            {
                "external_id": f"{data['recording_id']}:recording",
                "call_id": str(data.get("entry_id") or data.get("call_id") or ""),
                "event": "recording",
                "direction": "",
                "number": "",
                "extension": str(data.get("extension") or ""),
                "timestamp": timestamp,
                "state": "",
                "recording_url": self._mango_recording_link(
                    data["recording_id"], int(timestamp) + self.recording_retention_days * 86400
                ),
                "talk_seconds": None,
            }
        ]

    def _mango_recording_link(self, recording_id, expires):
        """A link that plays the recording until `expires` (epoch seconds), signed as the API documents."""
        pbx = self.sudo()
        sign = hashlib.sha256(f"{pbx.api_key}{expires}{recording_id}{pbx.api_secret}".encode()).hexdigest()
        base = (pbx.mango_api_url or MANGO_API_URL).rstrip("/")
        return f"{base}/queries/recording/link/{recording_id}/play/{pbx.api_key}/{expires}/{sign}"

    # ------------------------------------------------------------------
    # API
    # ------------------------------------------------------------------

    def _mango_command(self, path, payload):
        """POST one command of the VPBX API, signed; its JSON answer, or UserError."""
        self.ensure_one()
        # Only this method reads the credentials, to sign the request.
        pbx = self.sudo()
        if not (pbx.api_key and pbx.api_secret):
            raise UserError(
                _("Set the API key and salt of %(pbx)s to call through Mango Office.", pbx=self.display_name)
            )
        body = json.dumps(payload)
        form = {"vpbx_api_key": pbx.api_key, "sign": mango_sign(pbx.api_key, body, pbx.api_secret), "json": body}
        url = f"{(pbx.mango_api_url or MANGO_API_URL).rstrip('/')}/{path}"
        try:
            response = requests.post(url, data=form, timeout=MANGO_TIMEOUT)
        except requests.RequestException as error:
            raise UserError(_("Mango Office could not be reached: %(error)s", error=error)) from error
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 400 or answer.get("result") != MANGO_RESULT_OK:
            raise UserError(
                _(
                    "Mango Office refused the request (HTTP %(status)s, result %(result)s).",
                    status=response.status_code,
                    result=answer.get("result", "-"),
                )
            )
        return answer

    def _crm_telephony_originate_mango(self, extension, number):
        """Mango's callback command: rings `extension`, then dials `number`."""
        command_id = f"crm-{uuid.uuid4().hex}"
        answer = self._mango_command(
            "commands/callback",
            {"command_id": command_id, "from": {"extension": extension}, "to_number": re.sub(r"\D", "", number)},
        )
        # Mango answers no call id; the call's events carry the command's id (events/call "command_id")
        return dict(answer, origin_ref=command_id)
