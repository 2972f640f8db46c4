"""Machine-to-machine endpoints of the PBXs: the event webhook and the routing question.

Thin on purpose: find the PBX by the token of the URL, bound the body, let the PBX's translator
(``crm.pbx._crm_telephony_<op>_<kind>``) authenticate and parse the request, then hand over to
the models. Every refusal answers 4xx and writes nothing.
"""

import json
import logging
from urllib.parse import urlencode

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..models.crm_pbx import PbxRefused

_logger = logging.getLogger(__name__)

# A PBX event is a few hundred bytes; a batch of 100 of them fits easily.
MAX_BODY_BYTES = 64 * 1024


class CrmTelephonyController(http.Controller):
    def _crm_telephony_answer(self, status, data):
        return request.make_json_response(data, status=status)

    def _crm_telephony_refuse(self, status, message, pbx=None):
        """Answer a refusal. Authentication failures (401/403) are worth a warning in the server log
        (someone holds the URL without the secret, or the clocks drift); the rest is noise."""
        level = logging.WARNING if status in (401, 403) else logging.INFO
        _logger.log(
            level,
            "PBX request refused (%s %s) on %s from %s: %s",
            status,
            request.httprequest.path.rsplit("/", 1)[0],
            pbx.display_name if pbx else "an unknown token",
            request.httprequest.remote_addr,
            message,
        )
        return self._crm_telephony_answer(status, {"error": message})

    def _crm_telephony_request(self, token):
        """(pbx, req) for the translators, or raise PbxRefused. Nothing is written here."""
        httprequest = request.httprequest
        # sudo: the caller is a PBX, not a user; the token in the URL identifies it, the
        # translator's verify (signature) authenticates it before anything is written
        env = request.env(user=SUPERUSER_ID)
        pbx = env["crm.pbx"]._crm_telephony_from_token(token)
        if not pbx:
            raise PbxRefused(404, "unknown PBX")
        length = httprequest.content_length
        if length is not None and length > MAX_BODY_BYTES:
            raise PbxRefused(413, f"request body larger than {MAX_BODY_BYTES} bytes")
        # bounded: a declared length above the limit was refused above, and werkzeug reads no
        # more than the declared length (a body without one arrives empty)
        body = httprequest.get_data()
        # a form post was already parsed by the dispatcher (its stream is then empty): the
        # translators get its fields, the journal gets it re-encoded
        form = httprequest.form
        if not body and form:
            body = urlencode(list(form.items(multi=True))).encode()
        if len(body) > MAX_BODY_BYTES:
            raise PbxRefused(413, f"request body larger than {MAX_BODY_BYTES} bytes")
        params = {**httprequest.args, **form}
        req = {
            "method": httprequest.method,
            "headers": {key.lower(): value for key, value in httprequest.headers.items()},
            "body": body,
            "params": params,
            "query_string": httprequest.query_string,
            "remote_addr": httprequest.remote_addr,
        }
        return pbx, req

    @http.route(
        [
            "/crm_telephony/webhook/<string:token>",
            # vendors that append their own path to the URL (Mango Office: /events/call, ...)
            "/crm_telephony/webhook/<string:token>/<path:suffix>",
        ],
        type="http",
        auth="none",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def crm_telephony_webhook(self, token, suffix="", **_kwargs):
        """Journal the events of a PBX request; they are processed right after (see crm.pbx.event)."""
        pbx = None
        try:
            pbx, req = self._crm_telephony_request(token)
            req["path_suffix"] = suffix
            handshake = pbx._crm_telephony_handshake(req)
            if handshake:
                status, content_type, body = handshake
                return request.make_response(body, headers=[("Content-Type", content_type)], status=status)
            if req["method"] != "POST":
                raise PbxRefused(405, "events are sent with POST")
            pbx._crm_telephony_verify(req)
            events = pbx._crm_telephony_events(req)
        except PbxRefused as refusal:
            return self._crm_telephony_refuse(refusal.status, refusal.message, pbx)
        new_ids = pbx.env["crm.pbx.event"]._crm_telephony_journal(pbx, events, req["body"], req["remote_addr"])
        return self._crm_telephony_answer(200, {"status": "ok", "received": len(events), "new": len(new_ids)})

    @http.route(
        "/crm_telephony/route/<string:token>",
        type="http",
        auth="none",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
        readonly=True,
    )
    def crm_telephony_route(self, token, **_kwargs):
        """Which extension should take a call from ``number``: JSON {extension, user_id, partner_id, reason}."""
        pbx = None
        try:
            pbx, req = self._crm_telephony_request(token)
            pbx._crm_telephony_verify(req)
            number = req["params"].get("number")
            if not number and req["body"] and req["method"] == "POST":
                try:
                    data = json.loads(req["body"])
                except (ValueError, UnicodeDecodeError):
                    raise PbxRefused(400, "malformed JSON") from None
                number = data.get("number") if isinstance(data, dict) else None
            if not number or not isinstance(number, str) or len(number) > 64:
                raise PbxRefused(400, "missing number")
        except PbxRefused as refusal:
            return self._crm_telephony_refuse(refusal.status, refusal.message, pbx)
        return self._crm_telephony_answer(200, pbx._crm_telephony_route(number))
