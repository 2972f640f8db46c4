# Russian demo data: Cyrillic letters in strings are intended.
import hashlib
import hmac
import itertools
import json
import time
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import fields, sql_db
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_telephony.models import crm_call, crm_pbx_event
from odoo.addons.crm_telephony.models import crm_demo_generator_calls as calls_demo

from .common import TestCrmTelephonyCommon

CONTROLLER_LOGGER = "odoo.addons.crm_telephony.controllers.main"
EVENT_LOGGER = "odoo.addons.crm_telephony.models.crm_pbx_event"


class CallIntakeCase(TestCrmTelephonyCommon):
    """A Russian company, a client with a responsible manager (who has an extension) and helpers
    to journal and process the events of a generic PBX."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.ru")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Telephony Team",
                "company_id": cls.company.id,
                "user_id": cls.user_head.id,
                "member_ids": [(6, 0, [cls.user_salesperson.id, cls.user_salesperson_2.id])],
            }
        )
        cls.pbx.team_id = cls.team
        cls.client = cls.env["res.partner"].create(
            {
                "name": "OOO Romashka",
                "is_company": True,
                "phone": "+7 915 111-22-33",
                "user_id": cls.user_salesperson.id,
                "company_id": cls.company.id,
            }
        )
        cls.t0 = time.time() - 600
        cls.Event = cls.env["crm.pbx.event"]

    def _event(self, event, call_id="call-1", offset=0, **values):
        data = {"event": event, "call_id": call_id, "timestamp": self.t0 + offset, "number": "+79151112233"}
        data.update(values)
        return self.pbx._crm_telephony_generic_event(data)

    def _journal(self, *events):
        ids = self.Event._crm_telephony_journal(self.pbx, list(events), json.dumps([]).encode(), "127.0.0.1")
        return self.Event.browse(ids)

    def _receive(self, *events):
        """Journal and process, like the webhook followed by the scheduled action."""
        journaled = self._journal(*events)
        journaled._process()
        return journaled

    def _call(self, call_id="call-1"):
        return self.env["crm.call"].search([("pbx_id", "=", self.pbx.id), ("external_id", "=", call_id)])

    def _full_call(self, call_id="call-1"):
        """Start at t0, answered at +12 s on the manager's extension, ended at +92 s, recorded."""
        return [
            self._event("start", call_id, 0, direction="in"),
            self._event("answer", call_id, 12, extension="101"),
            self._event("end", call_id, 92, state="answered", talk_seconds=80),
            self._event("recording", call_id, 95, recording_url="https://pbx.example.com/rec/1.mp3"),
        ]


@tagged("post_install", "-at_install")
class TestCallIntake(CallIntakeCase):
    def test_journal_is_idempotent(self):
        """A repeated delivery of an event is recognised by its id: one journal row, one call."""
        start = self._event("start")
        first = self._journal(start)
        self.assertEqual(len(first), 1)
        self.assertEqual(first.state, "pending")
        self.assertEqual(first.kind, "start")
        self.assertEqual(first.remote_addr, "127.0.0.1")
        self.assertEqual(json.loads(first.event_data)["call_id"], "call-1")
        again = self._journal(start, start)
        self.assertFalse(again, "the same event delivered again is not journaled again")
        self.assertEqual(self.Event.search_count([("pbx_id", "=", self.pbx.id)]), 1)
        first._process()
        first._process()  # processing twice changes nothing either
        self.assertEqual(len(self._call()), 1)
        self.assertEqual(first.state, "done")
        self.assertEqual(first.call_id, self._call())

    def test_journal_access(self):
        """The journal is for CRM administrators of the PBX's company."""
        events = self._receive(self._event("start"))
        self.assertEqual(self.Event.with_user(self.user_admin).search([]), events)
        self.assertFalse(self.Event.with_user(self.user_admin_company_2).search([]))
        with self.assertRaises(AccessError):
            self.Event.with_user(self.user_salesperson).search([])

    def test_events_journaled_before_processing(self):
        """The webhook only stores; the scheduled action is triggered with the events (a trigger
        row in the same transaction) and the cron workers are woken up after the commit."""
        cron = self.env.ref("crm_telephony.ir_cron_crm_pbx_event_process")
        Trigger = self.env["ir.cron.trigger"]
        Trigger.search([("cron_id", "=", cron.id)]).unlink()

        def wake_ups():
            return sum(1 for func in self.env.cr.postcommit._funcs if getattr(func, "__name__", "") == "_notifydb")

        before = wake_ups()
        events = self._journal(self._event("start"))
        self.assertFalse(self._call(), "nothing is processed while the request is answered")
        triggers = Trigger.search([("cron_id", "=", cron.id)])
        self.assertEqual(len(triggers), 1, "the processing is triggered")
        self.assertLessEqual(triggers.call_at, fields.Datetime.now())
        self.assertEqual(wake_ups(), before + 1, "the cron workers are woken up after the commit")
        events |= self._journal(self._event("answer", offset=5))
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), 2, "each request commits its trigger")
        self.assertEqual(wake_ups(), before + 2, "each request wakes the cron workers up")
        self._journal(self._event("answer", offset=5))  # a repeated delivery: nothing new, no trigger
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), 2)
        self.assertEqual(wake_ups(), before + 2)
        self.assertEqual(self.Event._cron_process(), 2)
        self.assertEqual(set(events.mapped("state")), {"done"})
        self.assertEqual(self._call().state, "answered")

    def _wake_ups(self):
        return sum(1 for func in self.env.cr.postcommit._funcs if getattr(func, "__name__", "") == "_notifydb")

    def test_wake_up_handshake(self):
        """While the processing runs, a request counts on it and sends no wake-up; before stopping,
        the run waits for such requests to commit; once it has stopped, requests wake the cron
        workers up. The run is played by another connection holding the advisory locks."""
        ns, running, gate = crm_pbx_event.LOCK_NAMESPACE, crm_pbx_event.LOCK_RUNNING, crm_pbx_event.LOCK_GATE
        with sql_db.db_connect(self.env.cr.dbname).cursor() as run:
            run.execute("SELECT pg_advisory_lock(%s, %s)", (ns, running))
            before = self._wake_ups()
            self.assertTrue(self._journal(self._event("start")))
            self.assertEqual(self._wake_ups(), before, "the running processing takes the event")
            # the run cannot close its gate before this request commits
            run.execute("SET LOCAL lock_timeout = '100ms'")
            with self.assertRaises(psycopg2.errors.LockNotAvailable), mute_logger("odoo.sql_db"):
                run.execute("SELECT pg_advisory_lock(%s, %s)", (ns, gate))
            run.rollback()
            run.execute("SELECT pg_advisory_unlock(%s, %s)", (ns, running))
            run.commit()
        self.assertTrue(self._journal(self._event("answer", offset=5)))
        self.assertEqual(self._wake_ups(), before + 1, "no processing runs: the cron workers are woken up")
        # the scheduled action itself leaves no lock behind
        self.assertEqual(self.Event._cron_process(), 2)
        self.env.cr.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND pid = pg_backend_pid()"
            " AND mode = 'ExclusiveLock'",
            (ns,),
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_any_order_same_call(self):
        """Every arrival order of start, answer, end and recording gives the same call."""
        events = self._full_call()
        expected = None
        for index, order in enumerate(itertools.permutations(events)):
            call_id = f"perm-{index}"
            journaled = self._receive(
                *[dict(event, call_id=call_id, external_id=f"{call_id}-{event['event']}") for event in order]
            )
            self.assertEqual(set(journaled.mapped("state")), {"done"})
            call = self._call(call_id)
            self.assertEqual(len(call), 1)
            result = (
                call.state,
                call.date_start,
                call.date_answer,
                call.date_end,
                call.wait_seconds,
                call.talk_seconds,
                call.recording_url,
                call.partner_id,
                call.user_id,
                call.extension,
            )
            if expected is None:
                expected = result
                self.assertEqual(call.state, "answered")
                self.assertEqual(call.wait_seconds, 12)
                self.assertEqual(call.talk_seconds, 80)
                self.assertEqual(call.recording_url, "https://pbx.example.com/rec/1.mp3")
                self.assertEqual(call.partner_id, self.client)
                self.assertEqual(call.user_id, self.user_salesperson)
                self.assertEqual(call.extension, "101")
                self.assertEqual(call.date_start, crm_call.epoch_to_datetime(self.t0))
                self.assertEqual(call.date_end, crm_call.epoch_to_datetime(self.t0 + 92))
            self.assertEqual(result, expected, f"arrival order {[e['event'] for e in order]}")

    def test_end_before_start(self):
        """An end that overtakes its start still ends the call, and the start fixes the times."""
        self._receive(self._event("end", offset=40, state="missed"))
        call = self._call()
        self.assertEqual(call.state, "missed")
        self.assertEqual(call.wait_seconds, 0)
        self._receive(self._event("start", offset=0))
        self.assertEqual(call.state, "missed", "a late start does not make a missed call ring again")
        self.assertEqual(call.date_start, crm_call.epoch_to_datetime(self.t0))
        self.assertEqual(call.wait_seconds, 40)
        self.assertEqual(call.talk_seconds, 0)

    def test_final_state_not_downgraded(self):
        """A late answer never changes an ended call; of two ends, the later one decides."""
        self._receive(self._event("start"), self._event("end", offset=30, state="busy"))
        call = self._call()
        self._receive(self._event("answer", offset=5))
        self.assertEqual(call.state, "busy")
        self.assertEqual(call.talk_seconds, 0)
        self._receive(self._event("end", offset=20, state="failed", event_id="older-end"))
        self.assertEqual(call.state, "busy", "an older end does not override the latest one")
        self._receive(self._event("end", offset=50, state="missed", event_id="newer-end"))
        self.assertEqual(call.state, "missed")
        self.assertEqual(call.date_end, crm_call.epoch_to_datetime(self.t0 + 50))

    def test_talk_seconds_without_answer_event(self):
        """A PBX that only reports the end with its talk time still gives answer time and durations."""
        self._receive(self._event("start"), self._event("end", offset=100, state="answered", talk_seconds=70))
        call = self._call()
        self.assertEqual(call.state, "answered")
        self.assertEqual(call.talk_seconds, 70)
        self.assertEqual(call.wait_seconds, 30)
        self.assertEqual(call.date_answer, crm_call.epoch_to_datetime(self.t0 + 30))

    def test_recording_attaches_late(self):
        """The recording link arrives long after the end and attaches to the finished call."""
        self._receive(*self._full_call()[:3])
        call = self._call()
        self.assertFalse(call.recording_url)
        self._receive(self._event("recording", offset=3600, recording_url="https://pbx.example.com/rec/late.mp3"))
        self.assertEqual(call.recording_url, "https://pbx.example.com/rec/late.mp3")
        self.assertEqual(call.date_end, crm_call.epoch_to_datetime(self.t0 + 92), "the recording is not an end")

    def test_outgoing_call_manager_from_extension(self):
        """An outgoing call belongs to the manager whose extension dialled, and to the client called."""
        self._receive(
            self._event("start", "out-1", direction="out", extension="102"),
            self._event("end", "out-1", offset=25, direction="out", state="answered", talk_seconds=20),
        )
        call = self._call("out-1")
        self.assertEqual(call.direction, "out")
        self.assertEqual(call.user_id, self.user_head)
        self.assertEqual(call.commercial_partner_id, self.client)
        self.assertFalse(self.client.activity_ids, "an outgoing call leaves no call-back activity")

    def test_missed_call_back_activity(self):
        """A missed call gives the responsible manager one "Call back" activity due today."""
        activity_type = self.env.ref("crm_telephony.mail_activity_type_call_back")
        self._receive(self._event("start"), self._event("end", offset=30, state="missed"))
        activity = self.client.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.activity_type_id, activity_type)
        self.assertEqual(activity.user_id, self.user_salesperson)
        self.assertEqual(activity.date_deadline, fields.Date.context_today(activity))
        self.assertIn("+79151112233", activity.summary)
        # the manager sees it in their own list
        self.assertIn(activity, self.env["mail.activity"].with_user(self.user_salesperson).search([]))
        # calling again and missing again: still one activity to do
        self._receive(self._event("start", "call-2", 300), self._event("end", "call-2", 320, state="missed"))
        self.assertEqual(len(self.client.activity_ids), 1)
        # an answered call leaves none
        self.client.activity_ids.action_done()
        self._receive(*self._full_call("call-3"))
        self.assertFalse(self.client.activity_ids)

    def test_missed_call_activity_on_open_deal(self):
        """The client's open deal of the manager gets the activity rather than the client."""
        deal = self.env["crm.lead"].create(
            {
                "name": "Cable for the new site",
                "type": "opportunity",
                "partner_id": self.client.id,
                "user_id": self.user_salesperson.id,
                "team_id": self.team.id,
            }
        )
        self._receive(self._event("start"), self._event("end", offset=30, state="missed"))
        call = self._call()
        self.assertEqual(call.lead_id, deal)
        self.assertEqual(deal.activity_ids.user_id, self.user_salesperson)
        self.assertFalse(self.client.activity_ids)

    def test_unknown_caller_pool_lead(self):
        """An unknown number gives one lead in the team's pool, channel "Phone", per number and day."""
        number = "+7 (999) 765-43-21"
        self._receive(self._event("start", "u-1", number=number))
        call = self._call("u-1")
        lead = call.lead_id
        self.assertTrue(lead)
        self.assertFalse(call.partner_id)
        self.assertFalse(lead.user_id, "the lead waits in the pool")
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.source_id, self.env.ref("crm_telephony.utm_source_phone"))
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_phone"))
        self.assertEqual(lead.phone_e164, "+79997654321")
        self.assertIn(
            lead, self.env["crm.lead"].with_user(self.user_salesperson).search([("is_in_my_pool", "=", True)])
        )
        # the same number calls again (written differently) and misses: the same lead
        self._receive(
            self._event("start", "u-2", 100, number="89997654321"),
            self._event("end", "u-2", 140, number="89997654321", state="missed"),
        )
        self.assertEqual(self._call("u-2").lead_id, lead)
        # even once the lead was closed today: no second lead the same day
        lead.action_set_lost()
        self._receive(self._event("start", "u-3", 200, number=number))
        self.assertEqual(self._call("u-3").lead_id, lead)
        Lead = self.env["crm.lead"].with_context(active_test=False)
        self.assertEqual(Lead.search_count([("phone_e164", "=", "+79997654321")]), 1)
        # the next day the number gets a new lead
        self.env.cr.execute("UPDATE crm_lead SET create_date = create_date - interval '1 day' WHERE id = %s", [lead.id])
        lead.invalidate_recordset(["create_date"])
        self._receive(self._event("start", "u-4", 300, number=number))
        self.assertNotEqual(self._call("u-4").lead_id, lead)
        self.assertEqual(Lead.search_count([("phone_e164", "=", "+79997654321")]), 2)
        # another unknown number: another lead
        self._receive(self._event("start", "u-5", number="+7 999 000-11-22"))
        self.assertNotIn(self._call("u-5").lead_id, lead | self._call("u-4").lead_id)

    def test_calls_on_timeline(self):
        """Calls that rang through are on the client's and the deal's timeline, for those who may see them."""
        deal = self.env["crm.lead"].create(
            {
                "name": "Cable",
                "type": "opportunity",
                "partner_id": self.client.id,
                "user_id": self.user_salesperson.id,
                "team_id": self.team.id,
            }
        )
        contact = self.env["res.partner"].create(
            {"name": "Ivan", "parent_id": self.client.id, "mobile": "+7 916 222-33-44"}
        )
        self._receive(*self._full_call())
        self._receive(self._event("start", "c-2", 200, number="89162223344"))  # still ringing: not yet an entry
        self._receive(
            self._event("start", "c-3", 300, number="89162223344"),
            self._event("end", "c-3", 320, number="89162223344", state="missed"),
        )
        Timeline = self.env["crm.timeline"]

        def calls(user, **scope):
            feed = Timeline.with_user(user).get_timeline(kinds=["call"], **scope)
            return [(e["res_model"], e["res_id"]) for e in feed["entries"]]

        expected = [("crm.call", self._call("c-3").id), ("crm.call", self._call().id)]
        self.assertEqual(calls(self.user_salesperson, partner_id=self.client.id), expected)
        self.assertEqual(calls(self.user_head, partner_id=contact.id), expected)
        self.assertEqual(calls(self.user_salesperson, lead_id=deal.id), expected)
        self.assertEqual(calls(self.user_salesperson_2, partner_id=self.client.id), [], "someone else's calls")

    def test_hidden_number_no_lead(self):
        """A call without a number (hidden caller id) is recorded, without a lead."""
        self._receive(self._event("start", "h-1", number=""), self._event("end", "h-1", 20, number="", state="missed"))
        call = self._call("h-1")
        self.assertEqual(call.state, "missed")
        self.assertFalse(call.lead_id)
        self.assertFalse(call.partner_id)

    def test_event_error_recorded_and_replayed(self):
        """Another transaction holds the unknown number's lead creation: the event fails without a
        trace of half-done work, is recorded with its error and backoff, and a replay succeeds."""
        event = self._event("start", "locked-1", number="+7 999 555-44-33")
        journaled = self._journal(event)
        with (
            self.registry.cursor() as other_cr,
            patch.object(crm_call, "LOCK_TIMEOUT", "200ms"),
        ):
            other_cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["crm_telephony.lead:+79995554433"])
            with mute_logger("odoo.sql_db"), self.assertLogs(EVENT_LOGGER, "WARNING") as logs:
                self.assertFalse(journaled._process())
            other_cr.rollback()
        self.assertIn("locked-1", logs.output[0])
        self.assertEqual(journaled.state, "error")
        self.assertIn("lock", journaled.error)
        self.assertEqual(journaled.attempts, 1)
        self.assertTrue(journaled.next_attempt_at > fields.Datetime.now())
        self.assertFalse(self._call("locked-1"), "the failed event left no call behind")
        # not due yet: the scheduled action leaves it alone
        self.Event._cron_process()
        self.assertEqual(journaled.state, "error")
        # a salesperson may not replay; the administrator may
        with self.assertRaises(AccessError):
            journaled.with_user(self.user_salesperson).action_replay()
        journaled.with_user(self.user_admin).action_replay()
        self.assertEqual(journaled.state, "done")
        self.assertEqual(journaled.attempts, 2)
        self.assertFalse(journaled.error)
        self.assertTrue(self._call("locked-1").lead_id)

    def test_failed_event_retried_by_cron_when_due(self):
        """The scheduled action retries a failed event once its backoff has passed."""
        journaled = self._journal(self._event("start", "retry-1"))
        journaled.write(
            {
                "state": "error",
                "attempts": 1,
                "error": "OperationalError: earlier failure",
                "next_attempt_at": fields.Datetime.now() - timedelta(seconds=1),
            }
        )
        self.assertEqual(self.Event._cron_process(), 1)
        self.assertEqual(journaled.state, "done")
        self.assertEqual(journaled.attempts, 2)

    def test_unknown_event_is_an_error(self):
        """An event this version cannot apply is kept in the journal with its error, not dropped."""
        journaled = self._journal(dict(self._event("start", "hold-1"), event="hold", external_id="hold-1:hold"))
        with self.assertLogs(EVENT_LOGGER, "WARNING"):
            journaled._process()
        self.assertEqual(journaled.state, "error")
        self.assertIn("hold", journaled.error)
        self.assertFalse(self._call("hold-1"))


@tagged("post_install", "-at_install")
class TestWebhookHttp(HttpCase, CallIntakeCase):
    """Real HTTP requests to the webhook: the accepted ones are journaled, every refusal answers
    4xx and writes nothing."""

    def _url(self, token=None):
        return f"/crm_telephony/webhook/{token or self.pbx.webhook_token}"

    def _signed_headers(self, body, timestamp=None, secret=None):
        timestamp = str(int(timestamp if timestamp is not None else time.time()))
        key = (secret or self.pbx.hmac_secret).encode()
        signature = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", "X-Crm-Timestamp": timestamp, "X-Crm-Signature": signature}

    def _body(self, **values):
        data = {"event": "start", "call_id": "http-1", "number": "+7 915 111-22-33", "timestamp": time.time()}
        data.update(values)
        return json.dumps(data).encode()

    def _counts(self):
        self.env.invalidate_all()
        return (
            self.Event.search_count([]),
            self.env["crm.call"].search_count([]),
            self.env["crm.lead"].with_context(active_test=False).search_count([]),
        )

    def _post(self, body, headers=None, token=None):
        return self.url_open(self._url(token), data=body, headers=headers or {}, timeout=20)

    def test_signed_event_accepted(self):
        body = self._body()
        response = self._post(body, self._signed_headers(body))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "received": 1, "new": 1})
        event = self.Event.search([("pbx_id", "=", self.pbx.id)])
        self.assertEqual(event.state, "pending")
        self.assertEqual(event.payload, body.decode())
        # a repeated delivery is acknowledged, not journaled twice
        response = self._post(body, self._signed_headers(body))
        self.assertEqual(response.json(), {"status": "ok", "received": 1, "new": 0})
        self.assertEqual(self.Event.search_count([("pbx_id", "=", self.pbx.id)]), 1)
        self.Event._cron_process()
        call = self._call("http-1")
        self.assertEqual(call.partner_id, self.client)
        self.assertEqual(call.state, "ringing")

    def test_batch_of_events(self):
        now = time.time()
        body = json.dumps(
            {
                "events": [
                    {"event": "start", "call_id": "b-1", "number": "89151112233", "timestamp": now - 40},
                    {"event": "end", "call_id": "b-1", "number": "89151112233", "timestamp": now, "state": "missed"},
                ]
            }
        ).encode()
        response = self._post(body, self._signed_headers(body))
        self.assertEqual(response.json()["new"], 2)
        self.Event._cron_process()
        self.assertEqual(self._call("b-1").state, "missed")
        self.assertEqual(self._call("b-1").wait_seconds, 40)

    def _assert_refused(self, status, body, headers, token=None, warning=None):
        before = self._counts()
        if warning:
            with self.assertLogs(CONTROLLER_LOGGER, "WARNING") as logs:
                response = self._post(body, headers, token)
            self.assertIn(warning, logs.output[0])
        else:
            response = self._post(body, headers, token)
        self.assertEqual(response.status_code, status, response.text)
        self.assertIn("error", response.json())
        self.assertEqual(self._counts(), before, "a refused request writes nothing")
        return response

    def test_unsigned_refused(self):
        body = self._body()
        self._assert_refused(401, body, {"Content-Type": "application/json"}, warning="unsigned")

    def test_forged_signature_refused(self):
        body = self._body()
        self._assert_refused(403, body, self._signed_headers(body, secret="not-the-secret"), warning="signature")
        # a valid signature of another body does not carry over
        headers = self._signed_headers(self._body(call_id="other"))
        self._assert_refused(403, body, headers, warning="signature")

    def test_replayed_request_refused(self):
        body = self._body()
        stale = self._signed_headers(body, timestamp=time.time() - 301)
        self._assert_refused(401, body, stale, warning="replay window")
        future = self._signed_headers(body, timestamp=time.time() + 301)
        self._assert_refused(401, body, future, warning="replay window")

    def test_oversized_refused(self):
        body = self._body(number="1" * 10, padding="x" * (64 * 1024))
        self._assert_refused(413, body, self._signed_headers(body))

    def test_malformed_json_refused(self):
        body = b'{"event": "start", "call_id": '
        self._assert_refused(400, body, self._signed_headers(body))
        body = self._body(event="teleport")
        self._assert_refused(400, body, self._signed_headers(body))
        body = self._body(event="end")  # an end without its state
        self._assert_refused(400, body, self._signed_headers(body))

    def test_unknown_token_refused(self):
        body = self._body()
        self._assert_refused(404, body, self._signed_headers(body), token="not-a-token")
        archived = self.pbx.copy({"name": "Old PBX"})
        token = archived.webhook_token
        archived.action_archive()
        self._assert_refused(404, body, self._signed_headers(body, secret=archived.hmac_secret), token=token)

    def test_get_without_handshake_refused(self):
        before = self._counts()
        response = self.url_open(self._url(), timeout=20)
        self.assertEqual(response.status_code, 405)
        self.assertEqual(self._counts(), before)


@tagged("post_install", "-at_install")
class TestDemoCalls(TransactionCase):
    """The "tiny" demo dataset: a year of calls that match its clients and managers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.created = cls.env["crm.demo.generator"].generate(size="tiny", seed=11)
        cls.company = cls.env["res.company"].search([("name", "=", "ООО «Вектор»")])
        cls.pbx = cls.env["crm.pbx"].search([("company_id", "=", cls.company.id)])
        cls.calls = cls.env["crm.call"].search([("company_id", "=", cls.company.id)])

    def test_pbx_and_extensions(self):
        self.assertEqual(len(self.pbx), 1)
        managers = self.pbx.extension_ids.user_id
        self.assertTrue(managers)
        self.assertTrue(all(user.company_id == self.company for user in managers))
        self.assertEqual(self.created["crm.call"], len(self.calls))

    def test_a_year_of_calls(self):
        today = fields.Date.context_today(self.calls)
        days = {call.date_start.date() for call in self.calls}
        self.assertLessEqual((today - min(days)).days, 366)
        self.assertGreaterEqual((today - min(days)).days, 360)
        self.assertTrue(all(day.weekday() < 5 for day in days), "calls on working days")
        self.assertEqual(set(self.calls.mapped("state")), {"answered", "missed", "busy", "failed"})
        self.assertEqual(set(self.calls.mapped("direction")), {"in", "out"})
        answered = self.calls.filtered(lambda c: c.state == "answered")
        self.assertTrue(all(c.talk_seconds > 0 and c.date_answer for c in answered))
        self.assertFalse(any(c.talk_seconds for c in self.calls - answered))

    def test_calls_match_clients_and_managers(self):
        """A client's calls are taken or made by its responsible manager, from its numbers."""
        known = self.calls.filtered("partner_id")
        self.assertGreater(len(known), len(self.calls) * 0.8)
        for call in known:
            client = call.commercial_partner_id
            self.assertEqual(call.user_id, client.user_id)
            numbers = {p.phone_e164 for p in client | client.child_ids} | {
                p.mobile_e164 for p in client | client.child_ids
            }
            self.assertIn(call.number_e164, numbers)
            if call.lead_id:
                self.assertEqual(call.lead_id.partner_id.commercial_partner_id, client)
        # identification finds the same client from the number as it was written
        for call in known[:20]:
            found = self.env["crm.call"]._crm_identify_caller(call.number_raw, pbx=self.pbx)
            self.assertEqual(found["partner"].commercial_partner_id, call.commercial_partner_id)

    def test_recent_consequences(self):
        """Recent missed calls of clients wait to be called back by their manager; recent unknown
        callers wait in the pool."""
        now = fields.Datetime.now()
        activity_type = self.env.ref("crm_telephony.mail_activity_type_call_back")
        missed = self.calls.filtered(
            lambda c: c.direction == "in"
            and c.state == "missed"
            and c.partner_id
            and c.date_start >= now - timedelta(days=calls_demo.RECENT_MISSED_DAYS)
        )
        for call in missed:
            activities = (call.lead_id.activity_ids | call.commercial_partner_id.activity_ids).filtered(
                lambda a: a.activity_type_id == activity_type
            )
            self.assertEqual(activities.user_id, call.commercial_partner_id.user_id)
        unknown = self.calls.filtered(lambda c: c.direction == "in" and not c.partner_id)
        self.assertTrue(unknown, "a year of calls has unknown callers")
        for call in unknown:
            recent = call.date_start >= now - timedelta(days=calls_demo.RECENT_UNKNOWN_DAYS)
            self.assertEqual(bool(call.lead_id), recent)
            if recent:
                self.assertFalse(call.lead_id.user_id, "their leads wait in the pool")
                self.assertEqual(call.lead_id.phone_e164, call.number_e164)
