from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request


class CrmTelephonyRecording(http.Controller):
    @http.route("/crm_telephony/recording/<int:call_id>", type="http", auth="user", methods=["GET"], readonly=True)
    def crm_telephony_recording(self, call_id, download=None):
        """Play (or download) the recording of a call, for the users allowed to.

        The stored attachment is streamed, a recording kept on the PBX's side is
        redirected to. Answers 403 to anyone but the call's manager, their head of sales
        and the CRM administrators, 404 when there is no recording (any more).
        """
        call = request.env["crm.call"].browse(call_id).exists()
        if not call:
            raise NotFound()
        try:
            call._crm_recording_check_access()
        except AccessError as exc:
            raise Forbidden(exc.args[0]) from exc
        # sudo: the current user was just allowed to play this call's recording, whose
        # fields and attachment are readable by administrators only.
        call_sudo = call.sudo()
        attachment = call_sudo.recording_attachment_id
        if attachment:
            stream = request.env["ir.binary"]._get_stream_from(attachment)
            return stream.get_response(as_attachment=bool(download))
        if call_sudo.recording_url:
            return request.redirect(call_sudo.recording_url, local=False)
        raise NotFound()
