from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import TestCrmTelephonyCommon

AUDIO = b"ID3\x04\x00recorded conversation"


@tagged("post_install", "-at_install")
class TestRecordingAccess(HttpCase, TestCrmTelephonyCommon):
    """Only the call's manager, the head of sales leading their team and administrators play
    a recording; recordings are purged after the PBX's retention period."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Recording Team",
                "user_id": cls.user_head.id,
                "member_ids": [Command.set([cls.user_salesperson.id, cls.user_salesperson_2.id])],
            }
        )
        cls.user_head_other = new_test_user(
            cls.env,
            login="tel_head_other_team",
            groups="base.group_user,crm_pipeline.group_crm_head",
        )
        cls.team_other = cls.env["crm.team"].create({"name": "Other Team", "user_id": cls.user_head_other.id})
        cls.attachment = cls.env["ir.attachment"].create({"name": "call-1.mp3", "raw": AUDIO, "mimetype": "audio/mpeg"})
        cls.call_stored = cls._call("stored", recording_attachment_id=cls.attachment.id)
        cls.call_url = cls._call("url", recording_url="https://pbx.example.com/records/call-2.mp3")
        cls.call_none = cls._call("none")

    @classmethod
    def _call(cls, external_id, user=None, **vals):
        return cls.env["crm.call"].create(
            {
                "pbx_id": vals.pop("pbx_id", cls.pbx.id),
                "external_id": external_id,
                "number_raw": "+79151112233",
                "user_id": (user or cls.user_salesperson).id,
                "team_id": cls.team.id,
                "state": "answered",
                "talk_seconds": 42,
                "date_start": vals.pop("date_start", fields.Datetime.now()),
                **vals,
            }
        )

    def _get(self, user, call_id):
        self.authenticate(user.login, user.login)
        return self.url_open(f"/crm_telephony/recording/{call_id}", allow_redirects=False)

    def test_who_may_play(self):
        allowed = (self.user_salesperson, self.user_head, self.user_admin)
        refused = (self.user_salesperson_2, self.user_head_other, self.user_marketer, self.user_admin_company_2)
        for user in allowed:
            response = self._get(user, self.call_stored.id)
            self.assertEqual(response.status_code, 200, user.login)
            self.assertEqual(response.content, AUDIO, user.login)
            self.assertEqual(response.headers["Content-Type"], "audio/mpeg")
            response = self._get(user, self.call_url.id)
            self.assertEqual(response.status_code, 303, user.login)
            self.assertEqual(response.headers["Location"], "https://pbx.example.com/records/call-2.mp3")
        for user in refused:
            for call in (self.call_stored, self.call_url):
                response = self._get(user, call.id)
                self.assertEqual(response.status_code, 403, user.login)
                self.assertNotIn(AUDIO, response.content)
                self.assertNotIn(b"call-2.mp3", response.content)

    def test_head_of_the_call_team(self):
        """The leader of the call's team may play it even when the manager left the team."""
        self.team.member_ids = [Command.unlink(self.user_salesperson.id)]
        self.assertEqual(self._get(self.user_head, self.call_stored.id).status_code, 200)
        self.call_stored.team_id = self.team_other
        self.assertEqual(self._get(self.user_head, self.call_stored.id).status_code, 403)
        self.assertEqual(self._get(self.user_head_other, self.call_stored.id).status_code, 200)

    def test_no_recording(self):
        self.assertEqual(self._get(self.user_salesperson, self.call_none.id).status_code, 404)
        self.assertEqual(self._get(self.user_admin, self.call_none.id + 1000).status_code, 404)
        self.authenticate(None, None)
        response = self.url_open(f"/crm_telephony/recording/{self.call_stored.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)  # to the login page
        self.assertIn("/web/login", response.headers["Location"])

    def test_attachment_not_served_around_the_check(self):
        """The recording attachment is private: /web/content refuses it to a manager (who
        plays it through the recording route) and it is not listed with the call's files."""
        self.assertEqual(
            (self.attachment.res_model, self.attachment.res_id, self.attachment.res_field),
            ("crm.call", 0, "recording_attachment_id"),
        )
        for user in (self.user_salesperson, self.user_head, self.user_head_other):
            self.authenticate(user.login, user.login)
            response = self.url_open(f"/web/content/{self.attachment.id}")
            self.assertIn(response.status_code, (403, 404), user.login)
            self.assertNotIn(AUDIO, response.content)
            with self.assertRaises(AccessError):
                self.attachment.with_user(user).read(["raw"])
            self.assertFalse(
                self.env["ir.attachment"].with_user(user).search([("res_model", "=", "crm.call")]), user.login
            )
        # Set later (the PBX sends the recording after the call): made private as well.
        other = self.env["ir.attachment"].create(
            {"name": "call-3.mp3", "raw": AUDIO, "res_model": "crm.call", "res_id": self.call_none.id}
        )
        self.call_none.recording_attachment_id = other
        self.assertEqual((other.res_id, other.res_field), (0, "recording_attachment_id"))
        self.assertEqual(self._get(self.user_salesperson, self.call_none.id).content, AUDIO)
        # It goes with its call.
        self.call_none.unlink()
        self.assertFalse(other.exists())

    def test_fields_and_button(self):
        """The raw recording fields are for administrators; the others see whether a recording
        exists and, if they may, a button to play it."""
        call = self.call_stored.with_user(self.user_salesperson)
        with self.assertRaises(AccessError):
            call.read(["recording_url"])
        with self.assertRaises(AccessError):
            call.read(["recording_attachment_id"])
        self.assertTrue(call.recording_available)
        self.assertTrue(call.recording_allowed)
        self.assertEqual(call.action_play_recording()["url"], f"/crm_telephony/recording/{call.id}")
        self.assertEqual(
            self.call_url.with_user(self.user_admin).read(["recording_url"])[0]["recording_url"],
            "https://pbx.example.com/records/call-2.mp3",
        )
        foreign = self.call_stored.with_user(self.user_head_other)
        self.assertTrue(foreign.recording_available)
        self.assertFalse(foreign.recording_allowed)
        with self.assertRaises(AccessError):
            foreign.action_play_recording()
        self.assertFalse(self.call_none.with_user(self.user_salesperson).recording_available)
        # The form shows the button to whom may play, the raw fields to administrators only.
        arch = self.env["crm.call"].with_user(self.user_salesperson).get_views([(False, "form")])["views"]["form"]
        self.assertIn("action_play_recording", arch["arch"])
        self.assertNotIn('name="recording_url"', arch["arch"])
        arch = self.env["crm.call"].with_user(self.user_admin).get_views([(False, "form")])["views"]["form"]
        self.assertIn('name="recording_url"', arch["arch"])

    def test_retention(self):
        """The job deletes the recordings older than the PBX's retention, keeps the calls."""
        self.pbx.recording_retention_days = 30
        long_pbx = self.env["crm.pbx"].create({"name": "Archive PBX", "recording_retention_days": 365})
        now = fields.Datetime.now()
        old_attachment = self.env["ir.attachment"].create({"name": "old.mp3", "raw": AUDIO})
        old_stored = self._call(
            "old-stored", date_start=now - timedelta(days=40), recording_attachment_id=old_attachment.id
        )
        old_url = self._call("old-url", date_start=now - timedelta(days=31), recording_url="https://pbx.example.com/o")
        recent = self._call("recent", date_start=now - timedelta(days=29), recording_url="https://pbx.example.com/r")
        kept_longer = self._call(
            "kept-longer",
            pbx_id=long_pbx.id,
            date_start=now - timedelta(days=200),
            recording_url="https://pbx.example.com/k",
        )
        Call = self.env["crm.call"]
        # One batch per run; the job is told how many remain (and re-runs at once).
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": self.env.ref("crm_telephony.ir_cron_crm_call_purge_recordings").id, "remaining": 0, "done": 0}
        )
        self.assertEqual(Call.with_context(ir_cron_progress_id=progress.id)._cron_purge_recordings(batch_size=1), 1)
        self.assertEqual((progress.done, progress.remaining), (1, 1))
        self.assertFalse(old_stored.recording_attachment_id)  # the oldest first
        self.assertFalse(old_attachment.exists())
        self.assertEqual(old_url.sudo().recording_url, "https://pbx.example.com/o")
        self.assertEqual(Call.with_context(ir_cron_progress_id=progress.id)._cron_purge_recordings(batch_size=1), 1)
        self.assertEqual((progress.done, progress.remaining), (1, 0))
        self.assertEqual(Call._cron_purge_recordings(), 0)

        self.assertTrue(old_stored.exists() and old_url.exists())
        self.assertFalse(old_url.recording_url)
        self.assertEqual(old_stored.talk_seconds, 42)
        self.assertEqual(recent.recording_url, "https://pbx.example.com/r")
        self.assertEqual(kept_longer.recording_url, "https://pbx.example.com/k")
        self.assertEqual(self.call_stored.recording_attachment_id, self.attachment)
        self.assertEqual(self._get(self.user_salesperson, old_url.id).status_code, 404)

    def test_retention_cron(self):
        cron = self.env.ref("crm_telephony.ir_cron_crm_call_purge_recordings")
        self.assertTrue(cron.active)
        self.assertEqual(cron.model_id.model, "crm.call")
