"""Intake journal of the PBX events.

Every event a PBX sends is stored here first, in the request that receives it, with its source
(PBX, remote address), the raw request body and the normalised event: ``INSERT ... ON CONFLICT
(pbx_id, external_id) DO NOTHING`` makes a repeated delivery a no-op, however many copies arrive
at the same moment. The webhook answers once this row is committed.

Processing (``_process``) applies the events to their calls afterwards, in the "Telephony:
process PBX events" scheduled action, which the webhook wakes up at once. Each event is
processed in its own savepoint: a failure rolls back that event only, is recorded on it
(``error``, ``attempts``) and retried with an exponential backoff; the administrator can
replay any event from the journal. Applying an event twice gives the same call, so a replay
never doubles anything.
"""

import json
import logging
import threading
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Events processed per transaction by the scheduled action.
PROCESS_BATCH = 50
# Failed events are retried automatically after 1, 2, 4, ... minutes, at most this many times.
MAX_AUTO_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=6)
# The scheduled action hands over after this many seconds (it is triggered again for the rest).
PROCESS_TIME_BUDGET = 10
# Session advisory locks of the wake-up handshake between the journal and the scheduled action
# (see _crm_telephony_journal and _cron_process): namespace "CRMT", then what is locked.
LOCK_NAMESPACE = 0x43524D54
LOCK_RUNNING = 1  # exclusive: the scheduled action is processing
LOCK_GATE = 2  # shared: a request counts on the running action; exclusive: the action is about to stop


class CrmPbxEvent(models.Model):
    """Intake journal: every event of a PBX, stored raw before it is processed."""

    _name = "crm.pbx.event"
    _description = "PBX Event"
    _order = "id desc"
    _rec_name = "external_id"

    pbx_id = fields.Many2one("crm.pbx", string="PBX", required=True, index=True, ondelete="restrict", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    external_id = fields.Char(
        string="Event ID", required=True, readonly=True, help="Identifier of the event (unique per PBX)."
    )
    call_external_id = fields.Char(string="PBX Call ID", readonly=True)
    kind = fields.Char(string="Event", readonly=True, help="Normalised event: start, answer, end or recording.")
    payload = fields.Text(readonly=True, help="The request body as the PBX sent it.")
    event_data = fields.Text(string="Normalised Event", readonly=True, help="The event as processed (JSON).")
    remote_addr = fields.Char(string="Received From", readonly=True)
    received_at = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    state = fields.Selection(
        string="Status",
        selection=[("pending", "Pending"), ("done", "Done"), ("error", "Error")],
        required=True,
        default="pending",
        readonly=True,
    )
    error = fields.Text(readonly=True)
    attempts = fields.Integer(default=0, readonly=True)
    next_attempt_at = fields.Datetime(string="Next Attempt", readonly=True)
    call_id = fields.Many2one("crm.call", string="Call", index="btree_not_null", ondelete="set null", readonly=True)

    _sql_constraints = [
        ("pbx_external_id_unique", "UNIQUE(pbx_id, external_id)", "An event is journaled once per PBX."),
    ]

    def init(self):
        res = super().init()
        # The scheduled action reads exactly the events still to process: keep them in a small index.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS crm_pbx_event_todo_idx
                ON crm_pbx_event (next_attempt_at, id)
             WHERE state IN ('pending', 'error')
            """
        )
        return res

    # ------------------------------------------------------------------
    # Intake
    # ------------------------------------------------------------------

    @api.model
    def _crm_telephony_journal(self, pbx, events, payload, remote_addr=None):
        """Store the normalised ``events`` of one request of ``pbx`` and wake up the processing.

        One INSERT for all of them; an event already journaled (same PBX and external id) is
        skipped by the unique key, atomically, even under concurrent deliveries.
        Returns the ids of the events that were new."""
        if not events:
            return []
        raw = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else (payload or "")
        rows = [
            SQL(
                "(%s, %s, %s, %s, %s, %s, %s, %s, 'pending', 0, now() at time zone 'UTC', "
                "%s, now() at time zone 'UTC', %s, now() at time zone 'UTC')",
                pbx.id,
                pbx.company_id.id,
                event["external_id"],
                event["call_id"],
                event["event"],
                raw,
                json.dumps(event, sort_keys=True),
                remote_addr,
                self.env.uid,
                self.env.uid,
            )
            for event in events
        ]
        # Two deliveries of one event racing each other: the later one hits a serialization failure
        # that Odoo's request retry resolves (the retry finds the row and answers "not new"), so
        # PostgreSQL's complaint is not an error worth logging.
        #
        # The same statement triggers the processing: a trigger row of the scheduled action,
        # committed with the events, as ir.cron._trigger() creates it (Odoo deletes, when a run
        # ends, only the triggers that run's snapshot saw). And it tells whether the action is
        # running and counts on this request (see _cron_process): then the cron workers need no
        # wake-up, which costs more than the rest of the acknowledgement.
        self.env.cr.execute(
            SQL(
                """
            WITH new AS (
                INSERT INTO crm_pbx_event (pbx_id, company_id, external_id, call_external_id, kind, payload,
                                           event_data, remote_addr, state, attempts, received_at,
                                           create_uid, create_date, write_uid, write_date)
                VALUES %(rows)s
                ON CONFLICT (pbx_id, external_id) DO NOTHING
                RETURNING id
            ), wake AS (
                INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, create_date, write_uid, write_date)
                SELECT c.id, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC',
                       %(uid)s, now() at time zone 'UTC'
                  FROM ir_cron c
                 WHERE c.id = %(cron)s AND c.active AND EXISTS (SELECT 1 FROM new)
            ), counted AS (
                SELECT CASE WHEN pg_try_advisory_xact_lock_shared(%(ns)s, %(running)s) THEN false
                            ELSE pg_try_advisory_xact_lock_shared(%(ns)s, %(gate)s)
                       END AS on_running_action
            )
            SELECT new.id, counted.on_running_action FROM new, counted
            """,
                rows=SQL(", ").join(rows),
                cron=self._crm_telephony_cron_id(),
                uid=self.env.uid,
                ns=LOCK_NAMESPACE,
                running=LOCK_RUNNING,
                gate=LOCK_GATE,
            ),
            log_exceptions=False,
        )
        inserted = self.env.cr.fetchall()
        if inserted and not inserted[0][1]:
            self._crm_telephony_wake_up()
        return [row[0] for row in inserted]

    @api.model
    def _crm_telephony_cron_id(self):
        return self.env["ir.model.data"]._xmlid_to_res_id("crm_telephony.ir_cron_crm_pbx_event_process")

    @api.model
    def _crm_telephony_wake_up(self):
        """Wake the cron workers up once this transaction is committed: a NOTIFY, sent on another
        connection, as ir.cron._trigger() sends for a trigger due now."""
        self.env.cr.postcommit.add(self.env["ir.cron"].browse(self._crm_telephony_cron_id())._notifydb)

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------

    def _process(self):
        """Apply these events to their calls, oldest first, each in its own savepoint.

        Events another transaction is processing right now are skipped (they are locked).
        Returns the events processed successfully."""
        if not self:
            return self
        # sudo: processing is the system's work on authenticated input (the journal); it creates
        # calls, leads and activities no matter who runs it (cron, or an administrator's replay)
        events = self.sudo()
        events.flush_recordset()
        locked = events.env.execute_query(
            SQL(
                "SELECT id FROM crm_pbx_event WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
                events.ids,
            )
        )
        events = events.browse([row[0] for row in locked])
        events.invalidate_recordset()
        Call = events.env["crm.call"]
        done = events.browse()
        for event in events:
            try:
                with events.env.cr.savepoint():
                    call = Call._crm_call_apply_event(event.pbx_id, json.loads(event.event_data))
            # any failure is recorded on the event and retried; the savepoint undid its work
            except Exception as error:  # pylint: disable=broad-except
                event._crm_telephony_failed(error)
            else:
                event.write(
                    {
                        "state": "done",
                        "error": False,
                        "attempts": event.attempts + 1,
                        "next_attempt_at": False,
                        "call_id": call.id,
                    }
                )
                done |= event
        return done

    def _crm_telephony_failed(self, error):
        self.ensure_one()
        attempts = self.attempts + 1
        delay = min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)
        message = f"{type(error).__name__}: {error}"
        self.write(
            {
                "state": "error",
                "error": message,
                "attempts": attempts,
                "next_attempt_at": fields.Datetime.now() + delay if attempts < MAX_AUTO_ATTEMPTS else False,
            }
        )
        _logger.warning(
            "PBX event %s of %s failed (attempt %s): %s", self.external_id, self.pbx_id.display_name, attempts, message
        )

    @api.model
    def _crm_telephony_todo_domain(self):
        return [
            ("state", "in", ("pending", "error")),
            "|",
            ("state", "=", "pending"),
            "&",
            ("next_attempt_at", "!=", False),
            ("next_attempt_at", "<=", fields.Datetime.now()),
        ]

    @api.model
    def _cron_process(self, batch_size=PROCESS_BATCH, time_budget=PROCESS_TIME_BUDGET):
        """Scheduled action: process the pending events and retry the failed ones that are due.

        Commits after each batch (outside tests) so that a crash loses no finished work.

        Wake-up handshake with the journal. While this runs it holds the advisory lock RUNNING; a
        request that finds it held takes GATE (shared, until its commit) and sends no wake-up:
        this run takes its events. Before stopping, the run takes GATE exclusively, which waits
        for those requests to commit, and looks once more with a new snapshot. It then releases
        RUNNING before GATE, so that a request either finds the gate open on a run that will
        look again, or finds no run and wakes the cron workers up. Without it, a request
        committing after the run's last look waited for the cron workers' next poll (a minute)."""
        started = fields.Datetime.now()
        done = 0
        testing = getattr(threading.current_thread(), "testing", False)
        cr = self.env.cr
        todo = self._crm_telephony_todo_domain()

        held = []  # the advisory locks this session holds

        def lock(key):
            cr.execute(SQL("SELECT pg_advisory_lock(%s, %s)", LOCK_NAMESPACE, key))
            held.append(key)

        def unlock(key):
            cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", LOCK_NAMESPACE, key))
            held.remove(key)

        lock(LOCK_RUNNING)
        try:
            while True:
                events = self.search(todo, order="id", limit=batch_size)
                if not events:
                    lock(LOCK_GATE)
                    if not testing:
                        cr.commit()  # pylint: disable=invalid-commit
                    more = self.search(self._crm_telephony_todo_domain(), limit=1)
                    if not more:
                        break
                    unlock(LOCK_GATE)
                    continue
                done += len(events._process())
                if not testing:
                    cr.commit()  # pylint: disable=invalid-commit
                if (fields.Datetime.now() - started).total_seconds() > time_budget:
                    break
        except Exception:
            if not testing:
                # session locks outlive the transaction: release them on a usable one
                cr.rollback()
                for key in (LOCK_RUNNING, LOCK_GATE):
                    if key in held:
                        unlock(key)
            raise
        # RUNNING before GATE: a request then either finds the gate closed (and wakes the cron
        # workers up) or finds no run (and wakes them up)
        for key in (LOCK_RUNNING, LOCK_GATE):
            if key in held:
                unlock(key)
        remaining = self.search_count(self._crm_telephony_todo_domain())
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_replay(self):
        """Process these events again (an administrator's replay from the journal)."""
        if not self.env.user.has_group("crm_pipeline.group_crm_admin"):
            raise AccessError(_("Only a CRM administrator may replay PBX events."))
        self.check_access("write")
        failed = self - self._process()
        if failed:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "message": _("%(count)s event(s) failed again: see their error.", count=len(failed)),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        return True
