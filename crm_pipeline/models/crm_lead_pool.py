"""Intake identification, the team lead pool with an atomic Take, the first-response SLA
with its escalation to the team leader, and the repeat-sale flag.

First response (``first_response_date``) is the first of:

* the lead is taken from the pool (``action_take``);
* a lead created by an internal user for themselves (they are already talking to the client);
* an activity of the lead is marked as done, or a message (not an internal note) is posted on it
  by an internal user — both go through ``_message_post_after_hook``, the single place every
  chatter post passes, whether it comes from the web client, an e-mail gateway or RPC.

Assignment by Odoo's rules (``crm.team`` assignment) does not count as a response: an assigned
lead nobody answered is still escalated.
"""

from datetime import timedelta

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL, create_index

DEFAULT_RESPONSE_SLA_HOURS = 2.0


class CrmLead(models.Model):
    _inherit = "crm.lead"

    response_deadline = fields.Datetime(
        string="First Response Deadline",
        compute="_compute_response_deadline",
        store=True,
        precompute=True,
        copy=False,
        help="Creation time plus the first response SLA of the sales team.",
    )
    first_response_date = fields.Datetime(
        string="First Response",
        readonly=True,
        copy=False,
        help="When the lead was taken from the pool, or got its first activity done or message to the client.",
    )
    sla_escalated = fields.Boolean(
        string="Escalated to Team Leader",
        readonly=True,
        copy=False,
        help="The first response was overdue and the team leader got an activity about it.",
    )
    is_response_overdue = fields.Boolean(
        string="First Response Overdue",
        compute="_compute_is_response_overdue",
        search="_search_is_response_overdue",
    )
    is_duplicate_suspect = fields.Boolean(
        string="Possible Duplicate",
        readonly=True,
        copy=False,
        help="At creation other leads or deals with the same phone, e-mail domain or client already existed.",
    )
    is_repeat_sale = fields.Boolean(
        string="Repeat Sale",
        compute="_compute_is_repeat_sale",
        store=True,
        compute_sudo=True,
        copy=False,
        help="When the client was linked, it already had confirmed sale orders or won deals.",
    )
    is_in_my_pool = fields.Boolean(
        string="In My Lead Pool",
        compute="_compute_is_in_my_pool",
        search="_search_is_in_my_pool",
        help="Unassigned lead of one of my sales teams.",
    )

    def _auto_init(self):
        res = super()._auto_init()
        # The escalation job reads exactly these rows: keep them in a small partial index.
        create_index(
            self.env.cr,
            "crm_lead_response_overdue_idx",
            self._table,
            ["response_deadline"],
            where="first_response_date IS NULL AND sla_escalated IS NOT TRUE AND active IS TRUE",
        )
        return res

    # ------------------------------------------------------------
    # COMPUTE / SEARCH
    # ------------------------------------------------------------

    @api.depends("team_id")
    def _compute_response_deadline(self):
        now = self.env.cr.now()  # the create_date new records will get
        for lead in self:
            hours = lead.team_id.response_sla_hours if lead.team_id else DEFAULT_RESPONSE_SLA_HOURS
            lead.response_deadline = (lead.create_date or now) + timedelta(hours=hours)

    @api.depends_context("uid")
    @api.depends("response_deadline", "first_response_date")
    def _compute_is_response_overdue(self):
        now = fields.Datetime.now()
        for lead in self:
            lead.is_response_overdue = bool(
                not lead.first_response_date and lead.response_deadline and lead.response_deadline < now
            )

    def _search_is_response_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Operation not supported."))
        domain = [("first_response_date", "=", False), ("response_deadline", "<", fields.Datetime.now())]
        if (operator == "=") == value:
            return domain
        return ["|", ("first_response_date", "!=", False), ("response_deadline", ">=", fields.Datetime.now())]

    def _pool_team_ids(self):
        """Teams whose pool the current user works with: member or leader."""
        user = self.env.user
        return (user.crm_team_ids | self.env["crm.team"].search([("user_id", "=", user.id)])).ids

    @api.depends_context("uid")
    @api.depends("user_id", "team_id")
    def _compute_is_in_my_pool(self):
        team_ids = set(self._pool_team_ids())
        for lead in self:
            lead.is_in_my_pool = not lead.user_id and lead.team_id.id in team_ids

    def _search_is_in_my_pool(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Operation not supported."))
        team_ids = self._pool_team_ids()
        if (operator == "=") == value:
            return [("user_id", "=", False), ("team_id", "in", team_ids)]
        return ["|", ("user_id", "!=", False), ("team_id", "not in", team_ids)]

    @api.depends("partner_id")
    def _compute_is_repeat_sale(self):
        commercial = self.partner_id.commercial_partner_id
        known = set()
        if commercial:
            sold = self.env["sale.order"]._read_group(
                [("partner_id", "child_of", commercial.ids), ("state", "=", "sale")],
                ["partner_id"],
            )
            won = self.env["crm.lead"]._read_group(
                [
                    ("partner_id", "child_of", commercial.ids),
                    ("probability", "=", 100),
                    ("id", "not in", self._origin.ids),
                ],
                ["partner_id"],
            )
            known = {partner.commercial_partner_id.id for (partner,) in sold + won}
        for lead in self:
            lead.is_repeat_sale = bool(lead.partner_id) and lead.partner_id.commercial_partner_id.id in known

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        identified_partner_ids = self._pool_identify_clients(vals_list)
        self._pool_set_self_response(vals_list)
        if identified_partner_ids:
            # the lead's phone / e-mail as typed by the client must not overwrite the known
            # client's own data (Odoo propagates them to the partner when they differ)
            leads = super(
                CrmLead, self.with_context(crm_pipeline_identified_partner_ids=identified_partner_ids)
            ).create(vals_list)
            leads = leads.with_env(self.env)
        else:
            leads = super().create(vals_list)
        leads._pool_flag_duplicate_suspects()
        return leads

    def _crm_pipeline_keep_partner_data(self):
        return self.partner_id.id in self.env.context.get("crm_pipeline_identified_partner_ids", ())

    def _get_partner_phone_update(self, force_void=True):
        if self._crm_pipeline_keep_partner_data():
            return False
        return super()._get_partner_phone_update(force_void=force_void)

    def _get_partner_email_update(self, force_void=True):
        if self._crm_pipeline_keep_partner_data():
            return False
        return super()._get_partner_email_update(force_void=force_void)

    @api.model
    def _pool_set_self_response(self, vals_list):
        """A salesperson who types in a lead for themselves is already in touch with the client."""
        user = self.env.user
        if self.env.su or user.share:
            return
        now = fields.Datetime.now()
        default_user_id = self.env.context.get("default_user_id", user.id)
        for vals in vals_list:
            if vals.get("user_id", default_user_id) == user.id:
                vals.setdefault("first_response_date", now)

    @api.model
    def _pool_identify_clients(self, vals_list):
        """Link new unassigned leads to their known client: phone (E.164) first, then normalised e-mail.

        One query for the whole batch, on btree-indexed keys of res.partner. A lead is linked
        only when its matches belong to exactly one client (commercial partner): to the matching
        contact when there is one, else to the client itself."""
        if self.env.context.get("default_partner_id"):
            return ()
        company_country = self.env.company.country_id
        default_user_id = self.env.context.get("default_user_id", self.env.uid)
        todo = []
        for vals in vals_list:
            # Intake only: requests arriving without a salesperson (web forms, mail gateway, calls,
            # pool). A salesperson typing a lead in picks the customer with Odoo's own field.
            if "partner_id" in vals or vals.get("user_id", default_user_id):
                continue
            country = self.env["res.country"].browse(vals["country_id"]) if vals.get("country_id") else company_country
            phones = {
                self._phone_format(number=vals[fname], country=country)
                for fname in ("phone", "mobile")
                if vals.get(fname)
            } - {False}
            email = tools.email_normalize(vals.get("email_from") or "", strict=False) or False
            if phones or email:
                todo.append((vals, phones, email))
        if not todo:
            return ()
        all_phones = list(set().union(*(phones for _vals, phones, _email in todo)))
        all_emails = list({email for _vals, _phones, email in todo if email})
        self.env["res.partner"].flush_model(
            ["phone_e164", "mobile_e164", "email_normalized", "commercial_partner_id", "active", "company_id"]
        )
        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.id, p.commercial_partner_id, p.phone_e164, p.mobile_e164, p.email_normalized
              FROM res_partner p
             WHERE p.active
               AND (p.company_id IS NULL OR p.company_id = ANY(%(company_ids)s))
               AND (p.phone_e164 = ANY(%(phones)s) OR p.mobile_e164 = ANY(%(phones)s)
                    OR p.email_normalized = ANY(%(emails)s))
               AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id AND NOT u.share)
            """,
                company_ids=self.env.companies.ids,
                phones=all_phones,
                emails=all_emails,
            )
        )
        identified = set()
        for vals, phones, email in todo:
            by_phone = [row for row in rows if row[2] in phones or row[3] in phones]
            by_email = [row for row in rows if email and row[4] == email]
            for matches in (by_phone, by_email):
                clients = {row[1] for row in matches}
                if len(clients) == 1:
                    vals["partner_id"] = matches[0][0] if len(matches) == 1 else clients.pop()
                    identified.add(vals["partner_id"])
                    break
                if clients:  # several clients share this key: leave the choice to a human
                    break
        return tuple(identified)

    def _pool_flag_duplicate_suspects(self):
        """Flag new leads that Odoo's duplicate detection would find duplicates for (same phone,
        same e-mail domain criterion, same commercial entity; see ``_compute_potential_lead_duplicates``),
        in one UPDATE for the whole batch instead of three searches per lead."""
        if not self:
            return
        self.flush_recordset(["phone_sanitized", "email_domain_criterion", "partner_id"])
        flagged = self.env.execute_query(
            SQL(
                """
            UPDATE crm_lead lead
               SET is_duplicate_suspect = TRUE
             WHERE lead.id = ANY(%(ids)s)
               AND EXISTS (
                   SELECT 1
                     FROM crm_lead other
                    WHERE other.id != lead.id
                      AND ((lead.phone_sanitized IS NOT NULL AND other.phone_sanitized = lead.phone_sanitized)
                           OR (lead.email_domain_criterion IS NOT NULL
                               AND other.email_domain_criterion = lead.email_domain_criterion)
                           OR (lead.partner_id IS NOT NULL AND other.partner_id IN (
                               SELECT member.id
                                 FROM res_partner member
                                 JOIN res_partner mine ON mine.commercial_partner_id = member.commercial_partner_id
                                WHERE mine.id = lead.partner_id))))
            RETURNING lead.id
            """,
                ids=self.ids,
            )
        )
        if flagged:
            self.invalidate_recordset(["is_duplicate_suspect"])

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_take(self):
        """Take the lead from the pool. Atomic: a conditional UPDATE that only succeeds while the
        lead is still unassigned, so two salespeople never both get it. When both try at the same
        moment the second one waits for the first to commit and then gets a serialization failure,
        which Odoo's request handler retries: on retry the lead is seen as taken and the user gets
        the "already taken" error."""
        self.ensure_one()
        user = self.env.user
        # Record rules let a salesperson write unassigned leads only, which is exactly what the
        # conditional UPDATE below touches; a lead taken meanwhile must give "already taken",
        # not an access error: check the model access here, read the lead as superuser.
        self.browse().check_access("write")
        lead_sudo = self.sudo()
        if lead_sudo.company_id and lead_sudo.company_id not in user.company_ids:
            raise UserError(_("This lead belongs to a company you don't work for."))
        if not lead_sudo.active:
            raise UserError(_("This lead is closed and cannot be taken."))
        team = lead_sudo.team_id
        if (
            team
            and not user.has_group("sales_team.group_sale_salesman_all_leads")
            and user not in team.member_ids | team.user_id
        ):
            raise UserError(_("This lead is in the pool of the team %s, which you are not a member of.", team.name))
        lead_sudo.flush_recordset()
        now = self.env.cr.now()
        taken = self.env.execute_query(
            SQL(
                """
            UPDATE crm_lead
               SET user_id = %(uid)s, date_open = %(now)s, write_uid = %(uid)s, write_date = %(now)s,
                   first_response_date = COALESCE(first_response_date, %(now)s)
             WHERE id = %(id)s AND user_id IS NULL
            RETURNING id
            """,
                uid=user.id,
                now=now,
                id=self.id,
            )
        )
        self.invalidate_recordset(["user_id", "date_open", "write_uid", "write_date", "first_response_date"])
        if not taken:
            winner = self.sudo().user_id
            if winner:
                raise UserError(_("This lead has already been taken by %s.", winner.name))
            raise UserError(_("This lead is no longer in the pool."))
        # dependent stored fields (team, days to assign, ...) follow as after an ORM write
        self.modified(["user_id", "date_open"])
        lead_sudo.flush_recordset()
        self.message_post(
            body=_("Taken from the lead pool by %s.", user.name),
            subtype_xmlid="mail.mt_note",
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_open_qualify(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Qualify Lead"),
            "res_model": "crm.lead.qualify",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_lead_id": self.id},
        }

    # ------------------------------------------------------------
    # FIRST RESPONSE / ESCALATION
    # ------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        res = super()._message_post_after_hook(message, msg_vals)
        pending = self.filtered(lambda lead: not lead.first_response_date)
        if pending:
            subtype_id = msg_vals.get("subtype_id") or message.subtype_id.id
            response_subtypes = {
                self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment"),
                self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_activities"),
            }
            author = message.author_id
            if subtype_id in response_subtypes and author and any(not u.share for u in author.sudo().user_ids):
                # SLA bookkeeping of a post the author was already allowed to make
                pending.sudo().write({"first_response_date": fields.Datetime.now()})
        return res

    @api.model
    def _cron_escalate_overdue_first_response(self, batch_size=500):
        """Give the team leader one "Overdue first response" activity per lead still unanswered past
        its deadline. ``sla_escalated`` makes it once per lead, however often the job runs."""
        leads = self.search(
            [
                ("first_response_date", "=", False),
                ("sla_escalated", "=", False),
                ("response_deadline", "<", fields.Datetime.now()),
                ("team_id.user_id", "!=", False),
            ],
            order="response_deadline, id",
            limit=batch_size,
        )
        if not leads:
            return
        activity_type = self.env.ref("crm_pipeline.mail_activity_type_overdue_first_response")
        model_id = self.env["ir.model"]._get_id("crm.lead")
        today = fields.Date.context_today(self)
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": activity_type.id,
                    "summary": activity_type.summary,
                    "user_id": lead.team_id.user_id.id,
                    "date_deadline": today,
                }
                for lead in leads
            ]
        )
        leads.write({"sla_escalated": True})
        if len(leads) == batch_size:
            self.env["ir.cron"]._notify_progress(done=len(leads), remaining=1)
