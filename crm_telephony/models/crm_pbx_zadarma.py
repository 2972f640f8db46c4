"""Zadarma: webhook verification, event translation and click-to-call.

Everything here follows Zadarma's public API documentation and its official SDKs:

- API reference, "Authorization" and "Notifications about calls to PBX (webhooks)":
  https://zadarma.com/en/support/api/ (same text in /ru/ and /de/).
- Official PHP SDK, https://github.com/zadarma/user-api-v1 (commit bfdb755, 2023-01-17):
  ``lib/Client.php`` (``encodeSignature``, ``getAuthHeader``), ``lib/Webhook/Notify*.php``
  (``getSignatureString`` of each notification, field lists and meanings), ``lib/Api.php``
  (``requestCallback``, ``getPbxRecord``).
- Official Python SDK, https://github.com/zadarma/user-api-py-v1 (commit 9e7a6d7, 2021-02-18):
  ``zadarma/api.py`` (``__get_auth_string_for_header``).

Two details that a literal reading of "base64(hmac_sha1(...))" gets wrong, both visible in the SDKs:
the HMAC-SHA1 digest is taken as its lower-case HEX string (PHP's ``hash_hmac`` returns hex by
default) and that hex string is base64-encoded; and the API's query string is PHP's
``http_build_query(..., PHP_QUERY_RFC1738)`` of the parameters sorted by name (spaces as ``+``).
"""

import base64
import hashlib
import hmac
import re
import time
import urllib.parse

import requests

from odoo import _, fields, models
from odoo.exceptions import UserError

from .crm_pbx import PbxRefused

ZADARMA_API_URL = "https://api.zadarma.com"
# Timeout of the calls to Zadarma's API, in seconds.
ZADARMA_TIMEOUT = 10
# Lifetime of a recording link asked from /v1/pbx/record/request/: documented range 180 s .. 60 days.
ZADARMA_RECORD_LINK_MIN = 180
ZADARMA_RECORD_LINK_MAX = 5184000
# An echo longer than this is not Zadarma's check (its values are short random strings).
ZADARMA_ECHO_MAX = 256

# The fields whose values, concatenated in this order, are signed in the `Signature` header of each
# notification (lib/Webhook/Notify*.php::getSignatureString; NOTIFY_IVR extends NotifyStart).
ZADARMA_SIGNED_FIELDS = {
    "NOTIFY_START": ("caller_id", "called_did", "call_start"),
    "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
    "NOTIFY_IVR": ("caller_id", "called_did", "call_start"),
    "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
    "NOTIFY_END": ("caller_id", "called_did", "call_start"),
    "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
    "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
    "NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
}

# `disposition` of NOTIFY_END / NOTIFY_OUT_END (documented values) -> crm.call state.
# Anything else ('failed', 'no money', 'unallocated number', 'no limit', 'no day limit',
# 'line limit', 'no money, no limit') is a failed call.
ZADARMA_DISPOSITION_STATE = {
    "answered": "answered",
    "busy": "busy",
    "cancel": "missed",
    "no answer": "missed",
}


def zadarma_signature(data, secret):
    """Zadarma's signature of `data`: base64 of the hex HMAC-SHA1 digest keyed with the API secret."""
    digest = hmac.new(secret.encode(), data.encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def zadarma_query(params):
    """PHP's http_build_query($params sorted by key, '', '&', PHP_QUERY_RFC1738).

    RFC 1738 encoding is PHP's urlencode(): letters, digits and ``-_.`` stay, a space becomes ``+``,
    everything else (``~`` included, unlike Python's quote_plus) becomes %XX.
    """

    def encode(value):
        return urllib.parse.quote_plus(str(value), safe="").replace("~", "%7E")

    return "&".join(f"{encode(key)}={encode(value)}" for key, value in sorted(params.items()))


class CrmPbx(models.Model):
    _inherit = "crm.pbx"

    zadarma_api_url = fields.Char(
        string="Zadarma API URL",
        default=ZADARMA_API_URL,
        groups="crm_pipeline.group_crm_admin",
        help="Address of Zadarma's API (https://api.zadarma.com, or https://api-sandbox.zadarma.com to try it out).",
    )

    # ------------------------------------------------------------------
    # Webhook
    # ------------------------------------------------------------------

    def _crm_telephony_handshake_zadarma(self, req):
        """Zadarma checks a notification URL with ``GET ?zd_echo=<value>`` and expects the value back."""
        echo = req["params"].get("zd_echo")
        if req["method"] == "GET" and echo is not None:
            if len(echo) > ZADARMA_ECHO_MAX:
                raise PbxRefused(400, "zd_echo is too long")
            return (200, "text/plain; charset=utf-8", echo)
        return None

    def _crm_telephony_verify_zadarma(self, req):
        params = req["params"]
        event = params.get("event")
        signed_fields = ZADARMA_SIGNED_FIELDS.get(event)
        if not signed_fields:
            raise PbxRefused(400, f"Unsupported Zadarma notification {event!r}")
        # The secret never leaves this method: it only recomputes the sender's signature.
        secret = self.sudo().api_secret
        if not secret:
            raise PbxRefused(403, "The Zadarma API secret of this PBX connection is not set")
        expected = zadarma_signature("".join(params.get(name) or "" for name in signed_fields), secret)
        if not hmac.compare_digest(expected.encode(), (req["headers"].get("signature") or "").encode()):
            raise PbxRefused(403, "Bad Zadarma signature")

    def _crm_telephony_events_zadarma(self, req):
        """Normalised events of one Zadarma notification (verified before).

        Zadarma sends `call_start` in the account's own time zone without saying which, so each
        event is dated when it arrives: Zadarma notifies in real time.
        """
        params = req["params"]
        event = params["event"]
        call_id = params.get("pbx_call_id") or ""
        if not call_id:
            return []  # every call notification carries it; without it nothing can be tied to a call
        now = time.time()
        base = {"call_id": call_id, "timestamp": now, "recording_url": "", "talk_seconds": None, "state": ""}
        if event in ("NOTIFY_START", "NOTIFY_INTERNAL"):
            # An incoming call reached the PBX (START), then rings an extension (INTERNAL).
            internal = params.get("internal") or ""
            return [
                dict(
                    base,
                    external_id=":".join(filter(None, (call_id, event, internal))),
                    event="start",
                    direction="in",
                    number=params.get("caller_id") or "",
                    extension=internal,
                )
            ]
        if event == "NOTIFY_ANSWER":
            extension = params.get("internal") or params.get("destination") or ""
            return [
                dict(
                    base,
                    external_id=f"{call_id}:{event}:{extension}",
                    event="answer",
                    direction="in",
                    number=params.get("caller_id") or "",
                    extension=extension,
                )
            ]
        if event == "NOTIFY_OUT_START":
            return [
                dict(
                    base,
                    external_id=f"{call_id}:{event}",
                    event="start",
                    direction="out",
                    number=params.get("destination") or "",
                    extension=params.get("internal") or "",
                )
            ]
        if event in ("NOTIFY_END", "NOTIFY_OUT_END"):
            incoming = event == "NOTIFY_END"
            state = ZADARMA_DISPOSITION_STATE.get((params.get("disposition") or "").strip().lower(), "failed")
            try:
                duration = int(params.get("duration") or 0)
            except ValueError:
                duration = 0
            return [
                dict(
                    base,
                    external_id=f"{call_id}:{event}",
                    event="end",
                    direction="in" if incoming else "out",
                    number=params.get("caller_id" if incoming else "destination") or "",
                    extension=params.get("internal") or "",
                    state=state,
                    talk_seconds=duration if state == "answered" else 0,
                )
            ]
        if event == "NOTIFY_RECORD":
            # Sent once the recording is stored (NOTIFY_END's call_id_with_rec comes before the
            # file is ready); the file is fetched through a temporary link asked from the API.
            rec_id = params.get("call_id_with_rec") or ""
            return [
                dict(
                    base,
                    external_id=f"{call_id}:{event}:{rec_id}",
                    event="recording",
                    direction="",
                    number="",
                    extension="",
                    recording_url=self._zadarma_recording_link(rec_id),
                )
            ]
        # NOTIFY_IVR (a caller's choice in the voice menu) carries nothing for the call record.
        return []

    def _zadarma_recording_link(self, call_id_with_rec):
        """Temporary download link of a recording (GET /v1/pbx/record/request/)."""
        lifetime = min(
            max(self.recording_retention_days * 86400, ZADARMA_RECORD_LINK_MIN),
            ZADARMA_RECORD_LINK_MAX,
        )
        try:
            answer = self._zadarma_api("/v1/pbx/record/request/", {"call_id": call_id_with_rec, "lifetime": lifetime})
        except UserError as error:
            # Zadarma is told to try again later: nothing was written.
            raise PbxRefused(503, f"Zadarma did not give the recording link: {error}") from error
        link = answer.get("link") or next(iter(answer.get("links") or []), "")
        if not link:
            raise PbxRefused(503, "Zadarma gave no recording link")
        return link

    # ------------------------------------------------------------------
    # API
    # ------------------------------------------------------------------

    def _zadarma_api(self, method, params):
        """GET one method of Zadarma's API, signed as documented; its JSON answer, or UserError."""
        self.ensure_one()
        # Only this method reads the credentials, to sign the request.
        pbx = self.sudo()
        if not (pbx.api_key and pbx.api_secret):
            raise UserError(_("Set the API key and secret of %(pbx)s to call through Zadarma.", pbx=self.display_name))
        params = dict(params, format="json")
        query = zadarma_query(params)
        signature = zadarma_signature(method + query + hashlib.md5(query.encode()).hexdigest(), pbx.api_secret)
        url = f"{(pbx.zadarma_api_url or ZADARMA_API_URL).rstrip('/')}{method}?{query}"
        try:
            response = requests.get(
                url, headers={"Authorization": f"{pbx.api_key}:{signature}"}, timeout=ZADARMA_TIMEOUT
            )
        except requests.RequestException as error:
            raise UserError(_("Zadarma could not be reached: %(error)s", error=error)) from error
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 400 or answer.get("status") != "success":
            raise UserError(
                _(
                    "Zadarma refused the request (HTTP %(status)s): %(message)s",
                    status=response.status_code,
                    message=answer.get("message") or response.text[:200],
                )
            )
        return answer

    def _crm_telephony_originate_zadarma(self, extension, number):
        """Zadarma's CallBack: rings `extension` (from), then connects it to `number` (to)."""
        # Like the SDK's requestCallback(): the number as digits only.
        return self._zadarma_api("/v1/request/callback/", {"from": extension, "to": re.sub(r"\D", "", number)})
