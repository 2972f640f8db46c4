"""One client to call in a telemarketing campaign, its attempts and its result.

A task is created by the campaign's generation (one per client and campaign, enforced by a unique
constraint), then worked by its caller: "Call" dials the client (through the PBX when the caller
has an extension on one, else a ``tel:`` link), each recorded result counts one attempt:

* reached / not interested / deal created: the task is done;
* call back: the task stays in progress until the agreed date (``date_next_call``);
* not reached: the task stays in progress, and is closed as done / not reached when it was the
  campaign's last allowed attempt (``max_attempts``).

"Create deal" makes an opportunity for the client with the campaign's UTM campaign, the
"Telemarketing" source and the "Phone" medium, links it to the task and closes the task as
"deal created".

Calls (``crm.call``) are linked to a task, not stored on it: the calls of the task's caller with
the task's client (any contact of it) that started while the task was open -- from its creation
to its closing (or now). They come from the PBX whether the caller dialled with "Call" or from
the phone itself.
"""

import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

# Results that mean somebody at the client answered: they count as "reached" in the statistics.
REACHED_RESULTS = ("reached", "call_back", "not_interested", "deal_created")
OPEN_STATES = ("todo", "in_progress")


class CrmCallTask(models.Model):
    _name = "crm.call.task"
    _description = "Call Task"
    _order = "date_next_call, id"
    _check_company_auto = True

    campaign_id = fields.Many2one(
        "crm.call.campaign",
        string="Campaign",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True, index=True, precompute=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Caller",
        index=True,
        ondelete="set null",
        domain=[("share", "=", False)],
        check_company=True,
    )
    state = fields.Selection(
        [
            ("todo", "To Call"),
            ("in_progress", "In Progress"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        required=True,
        default="todo",
        index=True,
    )
    result = fields.Selection(
        [
            ("reached", "Reached"),
            ("not_reached", "Not Reached"),
            ("call_back", "Call Back"),
            ("not_interested", "Not Interested"),
            ("deal_created", "Deal Created"),
        ],
        index=True,
        readonly=True,
        help="Result of the last attempt.",
    )
    attempt_count = fields.Integer(string="Attempts", readonly=True, default=0)
    date_last_attempt = fields.Datetime(string="Last Attempt", readonly=True)
    date_next_call = fields.Datetime(
        string="Call Back On", help="When the client asked to be called back (required for the Call Back result)."
    )
    date_done = fields.Datetime(string="Closed On", readonly=True, index="btree_not_null")
    note = fields.Text(help="What the client said.")
    lead_id = fields.Many2one(
        "crm.lead", string="Deal", readonly=True, index="btree_not_null", ondelete="set null", check_company=True
    )
    call_ids = fields.Many2many(
        "crm.call",
        string="Calls",
        compute="_compute_call_ids",
        help="Calls of the caller with this client while the task was open.",
    )
    call_count = fields.Integer(compute="_compute_call_ids")
    phone = fields.Char(related="partner_id.phone")
    mobile = fields.Char(related="partner_id.mobile")
    campaign_state = fields.Selection(related="campaign_id.state", string="Campaign Status")
    campaign_script = fields.Html(related="campaign_id.script", string="Call Script")
    max_attempts = fields.Integer(related="campaign_id.max_attempts")
    team_id = fields.Many2one(related="campaign_id.team_id")
    is_due = fields.Boolean(
        string="Due",
        compute="_compute_is_due",
        search="_search_is_due",
        help="Open task of a running campaign that can be called now: never called, "
        "or its call-back time has come, or not reached last time.",
    )

    _sql_constraints = [
        (
            "campaign_partner_unique",
            "UNIQUE(campaign_id, partner_id)",
            "A client is called at most once per campaign.",
        ),
        ("attempt_count_positive", "CHECK(attempt_count >= 0)", "The number of attempts cannot be negative."),
    ]

    @api.depends("campaign_id.name", "partner_id.name", "result")
    def _compute_display_name(self):
        results = dict(self._fields["result"]._description_selection(self.env))
        for task in self:
            name = f"{task.campaign_id.name or ''}: {task.partner_id.name or ''}"
            task.display_name = f"{name} ({results[task.result]})" if task.result else name

    @api.depends("partner_id", "user_id", "create_date", "date_done")
    def _compute_call_ids(self):
        """Calls of the same caller with the same client inside the task's open window (see module doc)."""
        tasks = self.filtered(lambda t: t.id and t.partner_id and t.user_id and t.create_date)
        calls = self.env["crm.call"]
        if tasks:
            calls = calls.search(
                [
                    ("commercial_partner_id", "in", tasks.partner_id.ids),
                    ("user_id", "in", tasks.user_id.ids),
                    ("date_start", ">=", min(tasks.mapped("create_date"))),
                ]
            )
        now = fields.Datetime.now()
        for task in self:
            if task not in tasks:
                task.call_ids = False
                task.call_count = 0
                continue
            end = task.date_done or now
            linked = calls.filtered(
                lambda c, t=task, e=end: c.commercial_partner_id == t.partner_id
                and c.user_id == t.user_id
                and t.create_date <= c.date_start <= e
            )
            task.call_ids = linked
            task.call_count = len(linked)

    @api.depends("state", "date_next_call", "campaign_id.state")
    def _compute_is_due(self):
        now = fields.Datetime.now()
        for task in self:
            task.is_due = (
                task.state in OPEN_STATES
                and task.campaign_id.state == "running"
                and (not task.date_next_call or task.date_next_call <= now)
            )

    def _search_is_due(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on the Due field."))
        now = fields.Datetime.now()
        if (operator == "=") == value:
            return [
                ("state", "in", OPEN_STATES),
                ("campaign_id.state", "=", "running"),
                "|",
                ("date_next_call", "=", False),
                ("date_next_call", "<=", now),
            ]
        return [
            "|",
            "|",
            ("state", "not in", OPEN_STATES),
            ("campaign_id.state", "!=", "running"),
            ("date_next_call", ">", now),
        ]

    # ------------------------------------------------------------------ checks

    def _crm_check_open(self):
        for task in self:
            if task.campaign_id.state != "running":
                raise UserError(
                    _(
                        "The campaign %(campaign)s is not running: its tasks cannot be worked.",
                        campaign=task.campaign_id.name,
                    )
                )
            if task.state not in OPEN_STATES:
                raise UserError(_("The call task %(task)s is already closed.", task=task.display_name))

    # ------------------------------------------------------------------ results

    def _crm_record_result(self, result):
        """Count one attempt with ``result`` and move the task accordingly (see module doc)."""
        self._crm_check_open()
        now = fields.Datetime.now()
        for task in self:
            attempts = task.attempt_count + 1
            vals = {"attempt_count": attempts, "date_last_attempt": now, "result": result}
            if result == "call_back":
                if not task.date_next_call or task.date_next_call <= now:
                    raise UserError(
                        _("Set when to call %(client)s back (a future date) first.", client=task.partner_id.name)
                    )
                vals["state"] = "in_progress"
            elif result == "not_reached" and attempts < (task.campaign_id.max_attempts or 1):
                vals.update(state="in_progress", date_next_call=False)
            else:
                vals.update(state="done", date_done=now, date_next_call=False)
            task.write(vals)
        return True

    def action_result_reached(self):
        return self._crm_record_result("reached")

    def action_result_not_reached(self):
        return self._crm_record_result("not_reached")

    def action_result_call_back(self):
        return self._crm_record_result("call_back")

    def action_result_not_interested(self):
        return self._crm_record_result("not_interested")

    def action_cancel(self):
        self.filtered(lambda t: t.state in OPEN_STATES).write(
            {"state": "cancelled", "date_done": fields.Datetime.now(), "date_next_call": False}
        )
        return True

    def action_reopen(self):
        """Back to the callers' list: a closed task by mistake, or a cancelled one to work again."""
        for task in self:
            if task.lead_id:
                raise UserError(_("The call task %(task)s produced a deal: it stays closed.", task=task.display_name))
            if task.campaign_id.state != "running":
                raise UserError(
                    _(
                        "The campaign %(campaign)s is not running: its tasks cannot be worked.",
                        campaign=task.campaign_id.name,
                    )
                )
        self.filtered(lambda t: t.state in ("done", "cancelled")).write({"state": "in_progress", "date_done": False})
        return True

    # ------------------------------------------------------------------ deal

    def _crm_prepare_deal_values(self):
        self.ensure_one()
        campaign = self.campaign_id
        source = self.env.ref("crm_telephony.utm_source_telemarketing", raise_if_not_found=False)
        medium = self.env.ref("utm.utm_medium_phone", raise_if_not_found=False)
        user = self.user_id or self.env.user
        vals = {
            "name": _("%(client)s: %(campaign)s", client=self.partner_id.name, campaign=campaign.name),
            "type": "opportunity",
            "partner_id": self.partner_id.id,
            "user_id": user.id,
            "company_id": campaign.company_id.id,
            "campaign_id": campaign.utm_campaign_id.id,
            "source_id": source.id if source else False,
            "medium_id": medium.id if medium else False,
        }
        if campaign.team_id:
            vals["team_id"] = campaign.team_id.id
        # A campaign calls existing clients: without a team default the deal is a repeat sale.
        if not campaign.team_id.deal_type_id:
            repeat = self.env.ref("crm_pipeline.crm_deal_type_repeat", raise_if_not_found=False)
            if repeat:
                vals["deal_type_id"] = repeat.id
        if self.note:
            vals["description"] = plaintext2html(self.note)
        return vals

    def action_create_deal(self):
        """Create the client's opportunity from this call, link it and close the task as "deal created"."""
        self.ensure_one()
        if self.lead_id:
            return self.action_open_deal()
        if self.campaign_id.state != "running" or self.state == "cancelled":
            raise UserError(
                _(
                    "The campaign %(campaign)s is not running: its tasks cannot be worked.",
                    campaign=self.campaign_id.name,
                )
            )
        lead = self.env["crm.lead"].create(self._crm_prepare_deal_values())
        if self.state in OPEN_STATES:
            self._crm_record_result("deal_created")
        else:
            # a reached client who wanted a deal after all: same attempt, better result
            self.result = "deal_created"
        self.lead_id = lead
        return self.action_open_deal()

    def action_open_deal(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "views": [(False, "form")],
            "target": "current",
        }

    # ------------------------------------------------------------------ calling

    def _crm_phone_number(self):
        """The number to dial: the client's own, else its first contact's; E.164 when it could be parsed."""
        self.ensure_one()
        partner = self.partner_id
        for candidate in (partner, *partner.child_ids):
            for e164, raw in ((candidate.mobile_e164, candidate.mobile), (candidate.phone_e164, candidate.phone)):
                if e164 or raw:
                    return e164 or raw
        return False

    def action_call(self):
        """Dial the client: click-to-call through the caller's PBX extension when they have one
        (``crm.call.action_click_to_call``), else a ``tel:`` link for the caller's own phone."""
        self.ensure_one()
        self._crm_check_open()
        number = self._crm_phone_number()
        if not number:
            raise UserError(_("The client %(client)s has no phone number.", client=self.partner_id.name))
        if self.state == "todo":
            self.state = "in_progress"
        Call = self.env["crm.call"]
        if hasattr(Call, "action_click_to_call") and Call.crm_click_to_call_available():
            answer = Call.action_click_to_call(number, "res.partner", self.partner_id.id)
            ok = answer.get("ok")
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info" if ok else "warning",
                    "message": _("Calling %(number)s: pick up your phone.", number=answer.get("number") or number)
                    if ok
                    else answer.get("message") or _("The call could not be started."),
                    "sticky": False,
                },
            }
        return {"type": "ir.actions.act_url", "url": "tel:" + re.sub(r"[^0-9+]", "", number), "target": "new"}

    def action_view_calls(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Calls"),
            "res_model": "crm.call",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", self.call_ids.ids)],
        }
