import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

_logger = logging.getLogger(__name__)

# Calls whose recordings one run of the retention job purges (the job re-runs
# itself at once while more are due).
RECORDING_PURGE_BATCH = 500

RECORDING_ADMIN_GROUP = "crm_pipeline.group_crm_admin"


class CrmCall(models.Model):
    """Call recordings: who may play them, and how long they are kept.

    A recording is a URL on the PBX's side or an attachment stored in Odoo. Only the
    call's manager, the head of sales leading that manager's team (or the call's team)
    and the CRM administrators may play it, through /crm_telephony/recording/<call id>.
    The raw fields are readable by CRM administrators only, and the recording attachment
    is not linked to the call's id so that /web/content refuses it too (see
    _crm_recording_bind_attachment).
    """

    _inherit = "crm.call"

    recording_url = fields.Char(groups=RECORDING_ADMIN_GROUP)
    recording_attachment_id = fields.Many2one(groups=RECORDING_ADMIN_GROUP)
    recording_available = fields.Boolean(
        string="Has Recording",
        compute="_compute_recording_available",
        help="A recording of this call is kept.",
    )
    recording_allowed = fields.Boolean(
        string="May Play Recording",
        compute="_compute_recording_allowed",
        help="The current user may play the recording of this call.",
    )

    @api.depends("recording_url", "recording_attachment_id")
    def _compute_recording_available(self):
        # sudo: whether a recording exists is not secret; where it is, is.
        for call, sudo_call in zip(self, self.sudo(), strict=True):
            call.recording_available = bool(sudo_call.recording_url or sudo_call.recording_attachment_id)

    @api.depends_context("uid")
    @api.depends("recording_available", "user_id", "team_id")
    def _compute_recording_allowed(self):
        for call in self:
            call.recording_allowed = call.recording_available and call._crm_recording_allowed()

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def _crm_recording_allowed(self, user=None):
        """Whether `user` (the current user by default) may play this call's recording.

        Allowed: the call's manager; a head of sales who leads the manager's team or the
        call's team; a CRM administrator.
        """
        self.ensure_one()
        user = user or self.env.user
        if user._is_superuser() or user.has_group(RECORDING_ADMIN_GROUP):
            return True
        call = self.sudo()
        if call.user_id and call.user_id == user:
            return True
        if not user.has_group("crm_pipeline.group_crm_head"):
            return False
        # sudo: team membership is not readable by every head in multi-company setups.
        teams = self.env["crm.team"].sudo().search([("user_id", "=", user.id)])
        if call.team_id and call.team_id in teams:
            return True
        return bool(call.user_id and call.user_id in (teams.member_ids | teams.user_id))

    def _crm_recording_check_access(self):
        """Raise AccessError unless the current user may play this call's recording."""
        self.ensure_one()
        self.check_access("read")
        if not self._crm_recording_allowed():
            raise AccessError(
                _(
                    "Only the call's manager, their head of sales and the CRM administrators "
                    "may listen to the recording of %(call)s.",
                    call=self.display_name,
                )
            )

    def action_play_recording(self):
        """Open the recording (checked again by the recording route)."""
        self.ensure_one()
        self._crm_recording_check_access()
        return {
            "type": "ir.actions.act_url",
            "url": f"/crm_telephony/recording/{self.id}",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Storage: a recording attachment is private
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        calls = super().create(vals_list)
        calls.filtered(lambda call: call.sudo().recording_attachment_id)._crm_recording_bind_attachment()
        return calls

    def write(self, vals):
        res = super().write(vals)
        if vals.get("recording_attachment_id"):
            self._crm_recording_bind_attachment()
        return res

    def _crm_recording_bind_attachment(self):
        """Make each recording attachment readable by system administrators only.

        An attachment linked to a record is readable by whoever reads the record
        (/web/content): every head of sales reads every call. A recording is therefore
        kept unlinked from its call's id (``res_model``/``res_field`` only tell what it
        is): ir.attachment then lets only its creator (the PBX's processing) and the
        system administrators read it, it is listed nowhere, and it is played through
        the recording route, which checks who may.
        """
        # sudo: the call merge (PBX) or an administrator stores the recording;
        # making it private is part of storing it.
        attachments = self.sudo().recording_attachment_id
        public = attachments.filtered(
            lambda att: (att.res_model, att.res_id, att.res_field, att.public)
            != ("crm.call", 0, "recording_attachment_id", False)
        )
        if public:
            public.write(
                {"res_model": "crm.call", "res_id": 0, "res_field": "recording_attachment_id", "public": False}
            )

    def unlink(self):
        recordings = self.sudo().recording_attachment_id
        res = super().unlink()
        # sudo: a recording belongs to its call and goes with it.
        recordings.sudo().unlink()
        return res

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------

    @api.model
    def _cron_purge_recordings(self, batch_size=RECORDING_PURGE_BATCH):
        """Delete the recordings older than their PBX's retention period, in batches.

        The calls stay (statistics, history); their recording attachment is deleted and
        their recording URL cleared. One batch per run: the job is re-run at once while
        recordings are due (ir.cron progress).
        """
        # sudo: a scheduled job over every PBX and call of every company.
        calls = self.sudo()._crm_recordings_due(batch_size + 1)
        remaining = max(len(calls) - batch_size, 0)
        calls = calls[:batch_size]
        if calls:
            calls._crm_recording_purge()
            _logger.info("Purged the recordings of %d calls past their retention period.", len(calls))
        self.env["ir.cron"]._notify_progress(done=len(calls), remaining=remaining)
        return len(calls)

    @api.model
    def _crm_recordings_due(self, limit):
        """Calls whose recording is past its PBX's retention period (oldest first)."""
        now = fields.Datetime.now()
        domain_recording = ["|", ("recording_url", "!=", False), ("recording_attachment_id", "!=", False)]
        calls = self.browse()
        pbxs = self.env["crm.pbx"].with_context(active_test=False).search([])
        for pbx in pbxs:
            if len(calls) >= limit:
                break
            cutoff = now - timedelta(days=pbx.recording_retention_days)
            calls |= self.search(
                [("pbx_id", "=", pbx.id), ("date_start", "<", cutoff), *domain_recording],
                order="date_start asc, id asc",
                limit=limit - len(calls),
            )
        return calls

    def _crm_recording_purge(self):
        """Delete the recordings of these calls, keep the calls."""
        attachments = self.recording_attachment_id
        self.write({"recording_url": False, "recording_attachment_id": False})
        attachments.unlink()
