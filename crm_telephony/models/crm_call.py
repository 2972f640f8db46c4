"""Calls, merged from the events of the PBX, and caller identification.

A call (``crm.call``) is keyed by ``(pbx_id, external_id)``. Its events (start, answer, end,
recording) may come in any order and more than once; each is applied by
``_crm_call_apply_event`` on the locked call row, so that the result does not depend on the
arrival order:

* ``date_start`` is the earliest time seen, ``date_answer`` the earliest answer, ``date_end`` the
  latest end; waiting and talking seconds are computed from them;
* the state of the latest ``end`` event is final: a late ``start`` or ``answer`` never turns an
  ended call back into a ringing or answered one;
* the recording link attaches whenever it arrives.

The first event that gives the client's number identifies the caller (client, responsible
manager, open deal). An incoming call of an unknown number gives a lead in the team's pool (one
per number and day); a missed incoming call gives the responsible manager a "call back" activity.
"""

import logging
from datetime import UTC, datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

_logger = logging.getLogger(__name__)

# A "start" older than this when processed (a replay, a backlog) does not pop up on screens anymore.
RINGING_NOTIFICATION_MAX_AGE = timedelta(minutes=2)
FINAL_STATES = ("answered", "missed", "busy", "failed")
# Open deals returned by the identification, most relevant first.
MAX_OPEN_LEADS = 20
# How long processing waits for a call (or an unknown number's lead) another transaction is
# working on, before the event fails and is retried later.
LOCK_TIMEOUT = "10s"
EVENTS = ("start", "answer", "end", "recording")
# A click-to-call call whose PBX did not tell its id waits this long for the PBX's first event of it
# (the PBX rings the manager first, then dials the client).
CLICK_TO_CALL_PREFIX = "click-to-call-"
CLICK_TO_CALL_CLAIM_WINDOW = timedelta(minutes=5)

# Caller identification and routing in one statement (see _crm_identify_caller). Odoo resets a pooled
# connection (DISCARD ALL) before each request, so the statements are planned again in every request:
# they are kept simple (res_partner and crm_lead have dozens of indexes each, which the planner looks at
# for each table of a statement). A batch (the scheduled action) reuses the plans of its connection.
IDENTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION crm_telephony_identify(
    p_key varchar, p_company_ids integer[], p_max_leads integer, p_pbx_id integer DEFAULT NULL)
RETURNS TABLE (o_partner_id integer, o_client_id integer, o_user_id integer, o_team_id integer,
               o_lead_ids integer[], o_extension varchar, o_queue_extension varchar)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record;
    v_contacts integer[] := '{}';
    v_lead_user integer;
    v_lead_team integer;
    v_lead_partner integer;
BEGIN
    o_lead_ids := '{}';
    -- clients and contacts with this number (not the company's own users): clients with a
    -- responsible manager first, then the oldest client; a single matching contact is the caller
    FOR r IN
        SELECT p.id, p.commercial_partner_id AS client, c.user_id AS manager
          FROM res_partner p, res_partner c
         WHERE (p.phone_e164 = p_key OR p.mobile_e164 = p_key)
           AND c.id = p.commercial_partner_id
           AND p.active
           AND (p.company_id IS NULL OR p.company_id = ANY(p_company_ids))
    LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = r.id AND NOT u.share);
        IF o_client_id IS NULL
           OR (o_user_id IS NULL AND r.manager IS NOT NULL)
           OR ((o_user_id IS NULL) = (r.manager IS NULL) AND r.client < o_client_id) THEN
            o_client_id := r.client;
            o_user_id := r.manager;
            v_contacts := ARRAY[r.id];
        ELSIF r.client = o_client_id THEN
            v_contacts := v_contacts || r.id;
        END IF;
    END LOOP;
    -- p_max_leads = 0: only the best open lead, and only when it is needed to know the manager
    IF o_client_id IS NOT NULL THEN
        o_partner_id := CASE WHEN cardinality(v_contacts) = 1 THEN v_contacts[1] ELSE o_client_id END;
        IF p_max_leads > 0 OR o_user_id IS NULL THEN
            -- the client's open leads and deals: the manager's first, deals before leads, newest first
            FOR r IN
                SELECT l.id, l.user_id, l.team_id
                  FROM crm_lead l
                 WHERE l.partner_id IN (SELECT m.id FROM res_partner m WHERE m.commercial_partner_id = o_client_id)
                   AND l.active AND COALESCE(l.probability, 0) < 100
                   AND (l.company_id IS NULL OR l.company_id = ANY(p_company_ids))
                 ORDER BY l.user_id IS NOT DISTINCT FROM o_user_id DESC, l.type = 'opportunity' DESC, l.id DESC
                 LIMIT GREATEST(p_max_leads, 1)
            LOOP
                IF cardinality(o_lead_ids) = 0 THEN
                    v_lead_user := r.user_id;
                    v_lead_team := r.team_id;
                END IF;
                o_lead_ids := o_lead_ids || r.id;
            END LOOP;
        END IF;
    ELSE
        -- no client: open leads with this number, assigned ones first
        FOR r IN
            SELECT l.id, l.user_id, l.team_id, l.partner_id
              FROM crm_lead l
             WHERE (l.phone_e164 = p_key OR l.mobile_e164 = p_key)
               AND l.active AND COALESCE(l.probability, 0) < 100
               AND (l.company_id IS NULL OR l.company_id = ANY(p_company_ids))
             ORDER BY l.user_id IS NULL, l.type = 'opportunity' DESC, l.id DESC
             LIMIT GREATEST(p_max_leads, 1)
        LOOP
            IF cardinality(o_lead_ids) = 0 THEN
                v_lead_user := r.user_id;
                v_lead_team := r.team_id;
                v_lead_partner := r.partner_id;
            END IF;
            o_lead_ids := o_lead_ids || r.id;
        END LOOP;
        IF v_lead_partner IS NOT NULL THEN
            o_partner_id := v_lead_partner;
            SELECT p.commercial_partner_id INTO o_client_id FROM res_partner p WHERE p.id = v_lead_partner;
        END IF;
    END IF;
    o_user_id := COALESCE(o_user_id, v_lead_user);
    -- the responsible manager's team (its queue takes their calls), else the deal's; the
    -- manager's active extension on this PBX
    IF o_user_id IS NOT NULL THEN
        SELECT u.sale_team_id, e.extension INTO o_team_id, o_extension
          FROM res_users u
          LEFT JOIN crm_pbx_extension e ON e.user_id = u.id AND e.pbx_id = p_pbx_id AND e.active AND u.active
         WHERE u.id = o_user_id;
    END IF;
    o_team_id := COALESCE(o_team_id, v_lead_team);
    IF p_pbx_id IS NOT NULL THEN
        -- the queue: the team's, else the PBX's team's (when the caller has no team), else the PBX's default
        SELECT COALESCE(NULLIF(t.phone_queue_extension, ''), x.default_queue_extension) INTO o_queue_extension
          FROM crm_pbx x
          LEFT JOIN crm_team t ON t.id = COALESCE(o_team_id, x.team_id)
         WHERE x.id = p_pbx_id;
    END IF;
    RETURN NEXT;
END
$$
"""


def epoch_to_datetime(timestamp):
    """Naive UTC datetime (Odoo's storage) of epoch seconds, to the second."""
    return datetime.fromtimestamp(float(timestamp), UTC).replace(tzinfo=None, microsecond=0)


class CrmCall(models.Model):
    """One telephone call between the company and a client, merged from the PBX's events.

    Calls come in large volumes: no mail.thread, no tracking.
    """

    _name = "crm.call"
    _description = "Call"
    _order = "date_start desc, id desc"
    _check_company_auto = True

    pbx_id = fields.Many2one(
        "crm.pbx", string="PBX", required=True, index=True, ondelete="restrict", check_company=True
    )
    external_id = fields.Char(
        string="PBX Call ID", required=True, help="Identifier of the call on the PBX (unique per PBX)."
    )
    direction = fields.Selection([("in", "Incoming"), ("out", "Outgoing")], required=True, default="in", index=True)
    number_raw = fields.Char(string="Number", help="The client's number as the PBX sent it.")
    number_e164 = fields.Char(string="Number (E.164)", index="btree_not_null")
    extension = fields.Char(help="Our extension that took or made the call.")
    partner_id = fields.Many2one("res.partner", string="Contact", index="btree_not_null", ondelete="set null")
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        related="partner_id.commercial_partner_id",
        store=True,
        index="btree_not_null",
    )
    lead_id = fields.Many2one("crm.lead", string="Deal", index="btree_not_null", ondelete="set null")
    user_id = fields.Many2one("res.users", string="Manager", index=True, ondelete="set null")
    team_id = fields.Many2one("crm.team", string="Sales Team", index="btree_not_null", ondelete="set null")
    state = fields.Selection(
        string="Status",
        selection=[
            ("ringing", "Ringing"),
            ("answered", "Answered"),
            ("missed", "Missed"),
            ("busy", "Busy"),
            ("failed", "Failed"),
        ],
        required=True,
        default="ringing",
        index=True,
    )
    date_start = fields.Datetime(string="Started", index=True)
    date_answer = fields.Datetime(string="Answered At")
    date_end = fields.Datetime(string="Ended")
    wait_seconds = fields.Integer(string="Wait (s)", help="Seconds from the first ring to the answer (or the end).")
    talk_seconds = fields.Integer(string="Talk (s)", help="Seconds of conversation.")
    recording_url = fields.Char(string="Recording URL")
    recording_attachment_id = fields.Many2one("ir.attachment", string="Recording", ondelete="set null")
    topic = fields.Char()
    result = fields.Text()
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    event_ids = fields.One2many("crm.pbx.event", "call_id", string="PBX Events")

    _sql_constraints = [
        ("pbx_external_id_unique", "UNIQUE(pbx_id, external_id)", "A call is recorded once per PBX."),
        ("wait_seconds_positive", "CHECK(wait_seconds >= 0)", "The waiting time cannot be negative."),
        ("talk_seconds_positive", "CHECK(talk_seconds >= 0)", "The talking time cannot be negative."),
    ]

    @api.depends("direction", "number_raw", "number_e164", "partner_id")
    def _compute_display_name(self):
        directions = dict(self._fields["direction"]._description_selection(self.env))
        for call in self:
            who = call.partner_id.display_name or call.number_e164 or call.number_raw or ""
            call.display_name = f"{directions.get(call.direction, '')} {who}".strip()

    # ------------------------------------------------------------------
    # Caller identification
    # ------------------------------------------------------------------

    def init(self):
        res = super().init()
        self.env.cr.execute(IDENTIFY_FUNCTION)
        # the click-to-calls waiting for their PBX's first event (_crm_call_click_to_call_claim): a
        # handful of rows among millions of calls, found without reading the PBX's other calls
        create_index(
            self.env.cr,
            "crm_call_click_to_call_pending_index",
            self._table,
            ["pbx_id", "extension"],
            where=f"direction = 'out' AND state = 'ringing' AND starts_with(external_id, '{CLICK_TO_CALL_PREFIX}')",
        )
        return res

    @api.model
    def _crm_identify_caller(self, number, pbx=None, leads=True):
        """Who is calling from ``number``: phone keys of clients and contacts, then of open leads.

        :param number: the number as dialled or received, in any notation;
        :param pbx: the PBX the call goes through (its company and country), else the current company;
        :param leads: False when the open leads are not needed (routing): ``leads`` is then empty, or
            the best open lead alone when the client has no responsible manager (its manager is).
        :return: dict with ``number_e164`` (False when the number is none), ``partner`` (the matching
            contact, or the client), ``client`` (its commercial partner), ``user`` (the client's
            responsible manager, else the manager of the best open deal), ``team`` (the manager's
            sales team, else the deal's), ``leads`` (open leads and deals of the client, or with
            this number), ``lead`` (the best of them) and, with a ``pbx``, ``extension`` (the
            manager's active extension on it) and ``queue_extension`` (the team's queue, else the
            PBX's team's, else its default queue). Records are bound to this environment.

        Asked while the phone rings: one statement, the ``crm_telephony_identify`` function (exact
        matches on btree-indexed keys; its plans are kept for the connection, i.e. for a batch of
        the scheduled action, not across requests: Odoo resets the connection it lends to each),
        no ORM read. It is not limited by record rules.
        """
        Partner, Lead = self.env["res.partner"], self.env["crm.lead"]
        if pbx:
            company_ids = pbx.company_id.ids
            country = self.env["crm.pbx"]._crm_telephony_company_country(pbx.company_id.id)
        else:
            company_ids = self.env.companies.ids
            country = None
        country = country or self.env["crm.pbx"]._crm_telephony_company_country(self.env.company.id)
        key = Partner._crm_telephony_phone_key(number, country)
        result = {
            "number_e164": key or False,
            "partner": Partner,
            "client": Partner,
            "user": self.env["res.users"],
            "team": self.env["crm.team"],
            "leads": Lead,
            "lead": Lead,
            "extension": False,
            "queue_extension": False,
        }
        if not key:
            return result
        Partner.flush_model(["phone_e164", "mobile_e164", "active", "company_id", "commercial_partner_id", "user_id"])
        Lead.flush_model(
            ["phone_e164", "mobile_e164", "active", "probability", "partner_id", "user_id", "team_id", "type"]
        )
        self.env["res.users"].flush_model(["active", "partner_id", "share", "sale_team_id"])
        if pbx:
            self.env["crm.pbx.extension"].flush_model(["pbx_id", "user_id", "extension", "active"])
            self.env["crm.pbx"].flush_model(["team_id", "default_queue_extension"])
            self.env["crm.team"].flush_model(["phone_queue_extension"])
        [(partner_id, client_id, user_id, team_id, lead_ids, extension, queue_extension)] = self.env.execute_query(
            SQL(
                "SELECT * FROM crm_telephony_identify(%s, %s, %s, %s)",
                key,
                company_ids,
                MAX_OPEN_LEADS if leads else 0,
                pbx.id if pbx else None,
            )
        )
        lead_ids = lead_ids or []
        result.update(
            partner=Partner.browse(partner_id),
            client=Partner.browse(client_id),
            user=self.env["res.users"].browse(user_id),
            team=self.env["crm.team"].browse(team_id),
            leads=Lead.browse(lead_ids),
            lead=Lead.browse(lead_ids[:1]),
            extension=extension or False,
            queue_extension=queue_extension or False,
        )
        return result

    # ------------------------------------------------------------------
    # Merging PBX events
    # ------------------------------------------------------------------

    @api.model
    def _crm_call_lock(self, pbx, event):
        """The call of ``event`` on ``pbx``, created if needed, its row locked until the end of the
        transaction: concurrent events of one call are applied one after the other.

        Returns ``(call, created)``. An upsert, not search-then-create: two transactions seeing no
        call at the same moment cannot both create one (the unique key decides, the loser waits
        for the winner's row)."""
        self.env.execute_query(SQL("SELECT set_config('lock_timeout', %s, true)", LOCK_TIMEOUT))
        created = self.env.execute_query(
            SQL(
                """
            INSERT INTO crm_call (pbx_id, external_id, company_id, direction, state,
                                  wait_seconds, talk_seconds, create_uid, create_date, write_uid, write_date)
            VALUES (%(pbx)s, %(external_id)s, %(company)s, %(direction)s, 'ringing', 0, 0,
                    %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC')
            ON CONFLICT (pbx_id, external_id) DO NOTHING
            RETURNING id
            """,
                pbx=pbx.id,
                external_id=event["call_id"],
                company=pbx.company_id.id,
                direction=event.get("direction") or "in",
                uid=self.env.uid,
            )
        )
        if created:
            placeholder = self._crm_call_click_to_call_claim(pbx, event, created[0][0])
            if placeholder:
                return placeholder, False
            return self.browse(created[0][0]), True
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM crm_call WHERE pbx_id = %s AND external_id = %s FOR NO KEY UPDATE",
                pbx.id,
                event["call_id"],
            )
        )
        call = self.browse(rows[0][0])
        # the row may have changed since this transaction last read it
        call.invalidate_recordset()
        return call, False

    @api.model
    def _crm_call_click_to_call_claim(self, pbx, event, new_id):
        """The click-to-call call that the first event of a new PBX call belongs to, if any.

        A PBX that does not tell the id of the call it originates (Zadarma's CallBack, Mango's
        callback command) reports it later under an id of its own: the call made at the click
        (external id ``click-to-call-...``) takes that id, and the row just created for the event
        (``new_id``) is dropped, so that one click gives one call.

        * Mango's events name the command that started the call (``origin_ref``): an exact match,
          whichever leg comes first (the PBX rings the manager, then dials the client);
        * otherwise an outgoing call claims the oldest unclaimed click-to-call of the same
          extension to the same number made in the last ``CLICK_TO_CALL_CLAIM_WINDOW``.

        The click-to-call row is locked, SKIP LOCKED: two calls never take one click. Concurrent
        events of the same call wait on the unique key of the id being given.
        """
        origin = event.get("origin_ref") or ""
        if origin:
            match = SQL("c.external_id = %s", f"{CLICK_TO_CALL_PREFIX}{origin}")
        elif event.get("direction") != "out":
            return self.browse()
        else:
            country = self.env["crm.pbx"]._crm_telephony_company_country(pbx.company_id.id)
            key = self.env["res.partner"]._crm_telephony_phone_key(event.get("number"), country)
            if not key or not event.get("extension"):
                return self.browse()
            match = SQL("c.extension = %s AND c.number_e164 = %s", event["extension"], key)
        self.flush_model(["pbx_id", "direction", "external_id", "extension", "number_e164"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT c.id
              FROM crm_call c
             WHERE c.pbx_id = %s AND c.direction = 'out' AND c.state = 'ringing'
               AND starts_with(c.external_id, %s) AND c.create_date >= (now() AT TIME ZONE 'UTC') - %s
               AND %s
             ORDER BY c.id
             LIMIT 1
               FOR NO KEY UPDATE SKIP LOCKED
            """,
                pbx.id,
                CLICK_TO_CALL_PREFIX,
                CLICK_TO_CALL_CLAIM_WINDOW,
                match,
            )
        )
        if not rows:
            return self.browse()
        self.env.execute_query(SQL("DELETE FROM crm_call WHERE id = %s", new_id))
        self.env.execute_query(SQL("UPDATE crm_call SET external_id = %s WHERE id = %s", event["call_id"], rows[0][0]))
        call = self.browse(rows[0][0])
        call.invalidate_recordset(["external_id"])
        _logger.info("Click-to-call %s on %s is the PBX's call %s", call.id, pbx.name, event["call_id"])
        return call

    @api.model
    def _crm_call_extension_user(self, pbx, extension):
        if not extension:
            return self.env["res.users"]
        rows = self.env.execute_query(
            SQL(
                """
            SELECT e.user_id
              FROM crm_pbx_extension e
              JOIN res_users u ON u.id = e.user_id
             WHERE e.pbx_id = %s AND e.extension = %s AND e.active AND u.active
            """,
                pbx.id,
                extension,
            )
        )
        return self.env["res.users"].browse(rows[0][0] if rows else [])

    @api.model
    def _crm_call_apply_event(self, pbx, event):
        """Merge one normalised event (see ``crm.pbx._crm_telephony_events_<kind>``) into its call.

        Idempotent: applying an event twice gives the same call. Returns the call."""
        if event.get("event") not in EVENTS or not event.get("call_id") or not event.get("timestamp"):
            raise ValueError(f"Not a call event this version can apply: {event!r}")
        call, _created = self._crm_call_lock(pbx, event)
        self.env["crm.pbx.extension"].flush_model()
        old_state = call.state
        kind = event["event"]
        moment = epoch_to_datetime(event["timestamp"])
        vals = {}

        # who: the first event that knows the number identifies the caller
        found = None
        if event.get("number") and not call.number_raw:
            found = self._crm_identify_caller(event["number"], pbx=pbx)
            vals.update(number_raw=event["number"], number_e164=found["number_e164"])
            if not call.partner_id and found["partner"]:
                vals["partner_id"] = found["partner"].id
            if not call.lead_id and found["lead"]:
                vals["lead_id"] = found["lead"].id
        user = self._crm_call_extension_user(pbx, event.get("extension"))
        if event.get("extension") and (user or not call.extension):
            vals["extension"] = event["extension"]
        if not user and not call.user_id and found:
            user = found["user"]
        if user and user != call.user_id:
            vals["user_id"] = user.id
        if not call.team_id:
            team = (user or call.user_id).sudo().sale_team_id or (found["team"] if found else False)
            if team:
                vals["team_id"] = team.id

        # when: earliest start and answer, latest end; the latest end's state is final
        start, answer, end = call.date_start, call.date_answer, call.date_end
        final_state = call.state if call.date_end else None
        if kind == "answer":
            answer = min(answer, moment) if answer else moment
        elif kind == "end":
            if not end or moment >= end:
                final_state = event["state"]
                end = moment
            talk = event.get("talk_seconds")
            if event["state"] == "answered" and talk and not answer:
                answer = moment - timedelta(seconds=talk)
        start = min(filter(None, (start, moment, answer)))
        state = final_state or ("answered" if answer else "ringing")
        wait_until = answer or end
        wait = int((wait_until - start).total_seconds()) if wait_until else 0
        talk = int((end - answer).total_seconds()) if state == "answered" and end and answer else 0
        dates = {
            "date_start": start,
            "date_answer": answer or False,
            "date_end": end or False,
            "state": state,
            "wait_seconds": max(wait, 0),
            "talk_seconds": max(talk, 0),
        }
        vals.update({fname: value for fname, value in dates.items() if call[fname] != value})
        if event.get("recording_url") and event["recording_url"] != call.recording_url:
            vals["recording_url"] = event["recording_url"]
        if vals:
            call.write(vals)

        if found and call.direction == "in" and call.number_e164 and not call.partner_id and not call.lead_id:
            call._crm_call_unknown_caller_lead(pbx)
        if call.direction == "in" and state == "missed" and old_state != "missed":
            call._crm_call_schedule_call_back()
        if (
            kind == "start"
            and call.direction == "in"
            and call.state == "ringing"
            and call.user_id
            and fields.Datetime.now() - moment <= RINGING_NOTIFICATION_MAX_AGE
        ):
            call._crm_call_notify_ringing()  # the popup: crm_call_popup.py
        return call

    # ------------------------------------------------------------------
    # Consequences: pool lead, call-back activity, popup
    # ------------------------------------------------------------------

    def _crm_call_local_day_start(self, company):
        """Midnight (as naive UTC) of the day of this call's start, in the company's time zone."""
        tz = pytz.timezone(company.partner_id.tz or "UTC")
        local = pytz.utc.localize(self.date_start or fields.Datetime.now()).astimezone(tz)
        midnight = tz.localize(datetime.combine(local.date(), time.min))
        return midnight.astimezone(pytz.utc).replace(tzinfo=None)

    def _crm_call_unknown_caller_lead(self, pbx):
        """Link this call of an unknown number to a lead in the pool: the one created for this
        number today, or a new one (channel "Phone"). One lead per number and day, however many
        calls, even when two calls of the number are processed at the same moment."""
        self.ensure_one()
        key = self.number_e164
        # serialise the lead creation per number (released at the end of the transaction)
        self.env.execute_query(SQL("SELECT pg_advisory_xact_lock(hashtext(%s))", f"crm_telephony.lead:{key}"))
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        Lead.flush_model(["phone_e164", "mobile_e164", "source_id", "company_id"])
        source = self.env.ref("crm_telephony.utm_source_phone", raise_if_not_found=False)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT id
              FROM crm_lead
             WHERE (phone_e164 = %(key)s OR mobile_e164 = %(key)s)
               AND create_date >= %(since)s
               AND source_id IS NOT DISTINCT FROM %(source)s
               AND company_id IS NOT DISTINCT FROM %(company)s
             ORDER BY id
             LIMIT 1
            """,
                key=key,
                since=self._crm_call_local_day_start(pbx.company_id),
                source=source.id if source else None,
                company=pbx.company_id.id,
            )
        )
        if rows:
            lead = Lead.browse(rows[0][0])
        else:
            team = self.user_id.sudo().sale_team_id or pbx.team_id
            lang = pbx.company_id.partner_id.lang or self.env.lang
            lead = Lead.with_context(lang=lang, mail_create_nosubscribe=True).create(
                {
                    "name": _("Call from %(number)s", number=self.number_raw or key),
                    "type": "lead" if self.env.user.has_group("crm.group_use_lead") else "opportunity",
                    "phone": self.number_raw or key,
                    "user_id": False,
                    "team_id": team.id,
                    "company_id": pbx.company_id.id,
                    "source_id": source.id if source else False,
                    "medium_id": self.env.ref("utm.utm_medium_phone").id,
                }
            )
        vals = {"lead_id": lead.id}
        if not self.team_id and lead.team_id:
            vals["team_id"] = lead.team_id.id
        self.write(vals)
        return lead

    def _crm_call_responsible(self):
        """Who calls the client back: their responsible manager, else the deal's, else who the call rang."""
        self.ensure_one()
        return (
            self.commercial_partner_id.user_id
            or self.lead_id.user_id
            or (self.user_id if self.partner_id or self.lead_id else self.env["res.users"])
        )

    def _crm_call_schedule_call_back(self):
        """A "Call back" activity for the responsible manager, on the open deal of the call, else on
        the client. One open activity per record and manager: repeated missed calls do not pile up."""
        self.ensure_one()
        user = self._crm_call_responsible()
        lead = self.lead_id if self.lead_id.active else self.env["crm.lead"]
        # the deal when it is the manager's (or the pool's), else the client they are responsible for
        if lead and lead.user_id in (user, self.env["res.users"]):
            record = lead
        else:
            record = self.commercial_partner_id or lead
        if not user or not record or not user.active:
            return False
        activity_type = self.env.ref("crm_telephony.mail_activity_type_call_back")
        record = record.sudo()
        if record.activity_ids.filtered(lambda a: a.activity_type_id == activity_type and a.user_id == user):
            return False
        return record.with_context(mail_activity_quick_update=True).activity_schedule(
            activity_type_id=activity_type.id,
            date_deadline=activity_type._get_date_deadline(),
            summary=_("Call back %(number)s", number=self.number_raw or self.number_e164),
            user_id=user.id,
        )
