"""Interaction timeline: one feed of everything that happened with a client or a deal.

``crm.timeline`` (an AbstractModel, no table) builds the feed of a *client* (its commercial
partner and all the contacts below it) or of a *deal* (one ``crm.lead``), newest first and paged,
from *sources*. A source describes one *kind* of entry (an e-mail, a done activity, a meeting, a
posted invoice, ...) as a set of records of one model. The feed is one SQL query: per source a
SELECT built by ``env[model]._search(domain)`` -- so the model's ACL and record rules of the
CURRENT user apply -- then ``UNION ALL``, ``ORDER BY date DESC`` and ``LIMIT``/``OFFSET``. Only the
page's records are read afterwards, in batch.

Extension point
===============

Other addons add kinds without crm_pipeline knowing them, by inheriting ``crm.timeline`` and
appending sources built with ``self._timeline_source(**kwargs)``::

    class CrmTimeline(models.AbstractModel):
        _inherit = "crm.timeline"

        @api.model
        def _timeline_sources(self):
            sources = super()._timeline_sources()
            sources.append(self._timeline_source(
                kind="call",
                label=_("Call"),
                model="crm.call",
                date_field="date_start",
                partner_field="commercial_partner_id",
                lead_field="lead_id",
                user_field="user_id",
                title_field="display_name",
                icon="fa-phone",
                domain=[("state", "!=", "ringing")],
                sequence=50,
            ))
            return sources

``_timeline_source(**kwargs)`` keywords (the complete list; anything else raises ``TypeError``):

``kind`` (str, required)
    Unique technical key of the kind, e.g. ``"call"``. It is the value of the kind filter (the
    ``kind`` field of ``crm.timeline.entry``, the chips of the widget). A source appended later with
    the kind of an earlier one replaces it (that is how an addon changes a built-in kind).
``label`` (str, required)
    Translated name of the kind (``_("Call")``), shown in the kind filter and on each entry.
``model`` (str, required)
    Model of the records of this kind; an entry links to (opens) its record. The ACL and record
    rules of the current user on this model decide which entries are visible: a user who may not
    read a record never sees its entry. Sources of a model that is not installed are ignored.
``date_field`` (str, required)
    Stored ``Date`` or ``Datetime`` field of ``model`` giving the entry's time (the feed's sort
    key). Records whose date is empty are not in the feed. For large tables, make sure an index
    covers ``partner_field`` (and/or ``lead_field``) so the client's rows are found without a scan.
``partner_field`` (str or False, default False)
    Field name or dotted path usable in a domain, ending in a ``res.partner`` many2one or
    many2many (``"partner_id"``, ``"commercial_partner_id"``, ``"partner_ids"``,
    ``"order_id.partner_id"``). The client feed matches it against the client's commercial partner
    AND all its contacts: ``(partner_field, "in", client_partner_ids)``. False: the kind never shows
    in client feeds.
``lead_field`` (str or False, default False)
    Field name or dotted path usable in a domain, ending in a ``crm.lead`` many2one
    (``"opportunity_id"``, ``"sale_id.opportunity_id"``); the deal feed uses
    ``(lead_field, "=", lead.id)``. False: the kind never shows in deal feeds.
``user_field`` (str or False, default False)
    Stored many2one ``res.users`` field of ``model``: *who* (the responsible person) shown on the
    entry. False: no person shown.
``title_field`` (str, default ``"display_name"``)
    Field of ``model`` giving *what* the entry is about (shown after the label): a stored char
    field, or ``"display_name"`` (read through the ORM for the page's records only).
``icon`` (str, default ``"fa-circle-o"``)
    Font Awesome 4 class of the entry's icon (``"fa-phone"``).
``domain`` (list, default ``[]``)
    Extra domain on ``model`` restricting which records are entries of this kind
    (``[("state", "=", "posted")]``). Several kinds may use the same model with different domains.
``sequence`` (int, default 50)
    Order of the kind in the filters and chips (built-in kinds use 10..100).
``query_method`` (str or False, default False)
    Advanced, for sources that are not "records of one model tied by a field" (e-mails and notes
    are ``mail.message`` rows on the client's documents). Name of a ``crm.timeline`` method called
    as ``method(source, scope)`` where ``scope`` is ``{"partner_ids": [...]}`` (client feed) or
    ``{"lead_id": id}`` (deal feed). It returns an ``odoo.tools.SQL`` SELECT (or None when the source
    has nothing for that scope) with exactly the columns ``id`` (id of the ``model`` record),
    ``date`` (timestamp), ``user_id``, ``author_id`` (res.partner), ``title`` (text or NULL),
    ``res_model`` and ``res_id`` (the record the entry's link opens). The method is responsible
    for access: it must only return rows the current user may read. ``partner_field`` /
    ``lead_field`` still tell whether the source takes part in client / deal feeds (any truthy
    value), ``date_field`` is informative.

``_timeline_source`` returns a plain dict with these keys; ``_timeline_sources()`` returns the
list of them (order irrelevant; ``sequence`` orders). Read the feed with
``env["crm.timeline"].get_timeline(partner_id=..., lead_id=..., kinds=None, offset=0, limit=20)``
(the widget's RPC), or through the list view of ``crm.timeline.entry``.
"""

import re
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.osv import expression
from odoo.tools import SQL, Query, create_index, html2plaintext

# Upper bound of the number of kinds: the list view's entry id is ``record id * KIND_FACTOR + kind number``.
KIND_FACTOR = 1000
TITLE_LENGTH = 160

# Messages that may be timeline entries (the predicate of mail_message_crm_timeline_idx; repeated in the
# messages' WHERE clause so that the planner can use that index).
MESSAGE_ENTRY_SQL = "message_type IN ('email', 'email_outgoing', 'comment') OR mail_activity_type_id IS NOT NULL"

# The columns of every branch of the feed, in this order (see ``_timeline_branch``).
BRANCH_COLUMNS = ("id", "date", "user_id", "author_id", "title", "res_model", "res_id")


class CrmTimeline(models.AbstractModel):
    _name = "crm.timeline"
    _description = "Interaction Timeline"

    def init(self):
        """Indexes the built-in sources need to find a client's rows without scanning their table
        (the other source columns are indexed by Odoo already)."""
        if "account.payment" in self.env:
            create_index(self.env.cr, "account_payment_partner_id_date_idx", "account_payment", ["partner_id", "date"])
        # The messages that can be entries, by document: tracking and system notifications (most of
        # mail_message) are left out of the index, so a client's messages are read without them.
        create_index(
            self.env.cr,
            "mail_message_crm_timeline_idx",
            "mail_message",
            ["model", "res_id"],
            where=MESSAGE_ENTRY_SQL,
        )

    # ------------------------------------------------------------------ sources (extension point)

    @api.model
    def _timeline_source(
        self,
        *,
        kind,
        label,
        model,
        date_field,
        partner_field=False,
        lead_field=False,
        user_field=False,
        title_field="display_name",
        icon="fa-circle-o",
        domain=None,
        sequence=50,
        query_method=False,
    ):
        """One kind of timeline entry; see the module docstring for each keyword."""
        return {
            "kind": kind,
            "label": label,
            "model": model,
            "date_field": date_field,
            "partner_field": partner_field,
            "lead_field": lead_field,
            "user_field": user_field,
            "title_field": title_field,
            "icon": icon,
            "domain": list(domain or []),
            "sequence": sequence,
            "query_method": query_method,
        }

    @api.model
    def _timeline_sources(self):
        """The kinds of the timeline; inherit and append (see the module docstring)."""
        message = {
            "model": "mail.message",
            "date_field": "date",
            "partner_field": True,
            "lead_field": True,
            "query_method": "_timeline_query_messages",
        }
        return [
            self._timeline_source(kind="email", label=_("Email"), icon="fa-envelope", sequence=10, **message),
            self._timeline_source(kind="message", label=_("Message"), icon="fa-comment", sequence=12, **message),
            self._timeline_source(kind="note", label=_("Note"), icon="fa-sticky-note-o", sequence=14, **message),
            self._timeline_source(
                kind="activity", label=_("Activity done"), icon="fa-check-square-o", sequence=16, **message
            ),
            self._timeline_source(
                kind="meeting",
                label=_("Meeting"),
                model="calendar.event",
                date_field="start",
                partner_field="partner_ids",
                lead_field="opportunity_id",
                user_field="user_id",
                icon="fa-calendar",
                sequence=20,
            ),
            self._timeline_source(
                kind="deal",
                label=_("Deal created"),
                model="crm.lead",
                date_field="create_date",
                partner_field="partner_id",
                lead_field="id",
                user_field="user_id",
                title_field="name",
                icon="fa-handshake-o",
                sequence=30,
            ),
            self._timeline_source(
                kind="stage",
                label=_("Stage changed"),
                model="crm.lead.stage.log",
                date_field="date_in",
                partner_field="lead_id.partner_id",
                lead_field="lead_id",
                user_field="user_id",
                icon="fa-long-arrow-right",
                domain=[("outcome", "!=", "won")],
                sequence=32,
                query_method="_timeline_query_stage_log",
            ),
            self._timeline_source(
                kind="won",
                label=_("Deal won"),
                model="crm.lead.stage.log",
                date_field="date_in",
                partner_field="lead_id.partner_id",
                lead_field="lead_id",
                user_field="user_id",
                icon="fa-trophy",
                domain=[("outcome", "=", "won")],
                sequence=34,
                query_method="_timeline_query_stage_log",
            ),
            self._timeline_source(
                kind="lost",
                label=_("Deal lost"),
                model="crm.lead.stage.log",
                date_field="date_out",
                partner_field="lead_id.partner_id",
                lead_field="lead_id",
                user_field="user_id",
                icon="fa-times-circle-o",
                domain=[("outcome", "=", "lost")],
                sequence=36,
                query_method="_timeline_query_stage_log",
            ),
            self._timeline_source(
                kind="quotation",
                label=_("Quotation sent"),
                model="sale.order",
                date_field="crm_date_quotation_sent",
                partner_field="partner_id",
                lead_field="opportunity_id",
                user_field="user_id",
                title_field="name",
                icon="fa-paper-plane-o",
                sequence=40,
            ),
            self._timeline_source(
                kind="order",
                label=_("Order confirmed"),
                model="sale.order",
                date_field="date_order",
                partner_field="partner_id",
                lead_field="opportunity_id",
                user_field="user_id",
                title_field="name",
                icon="fa-shopping-cart",
                domain=[("state", "=", "sale")],
                sequence=42,
            ),
            self._timeline_source(
                kind="delivery",
                label=_("Delivery done"),
                model="stock.picking",
                date_field="date_done",
                partner_field="partner_id",
                lead_field="sale_id.opportunity_id",
                user_field="user_id",
                title_field="name",
                icon="fa-truck",
                domain=[("state", "=", "done"), ("picking_type_code", "=", "outgoing")],
                sequence=44,
            ),
            self._timeline_source(
                kind="invoice",
                label=_("Invoice posted"),
                model="account.move",
                date_field="invoice_date",
                partner_field="partner_id",
                lead_field="line_ids.sale_line_ids.order_id.opportunity_id",
                user_field="invoice_user_id",
                title_field="name",
                icon="fa-file-text-o",
                domain=[("state", "=", "posted"), ("move_type", "in", ("out_invoice", "out_refund"))],
                sequence=46,
            ),
            self._timeline_source(
                kind="payment",
                label=_("Payment"),
                model="account.payment",
                date_field="date",
                partner_field="partner_id",
                lead_field="invoice_ids.line_ids.sale_line_ids.order_id.opportunity_id",
                user_field="create_uid",
                title_field="name",
                icon="fa-money",
                domain=[("state", "in", ("in_process", "paid")), ("partner_type", "=", "customer")],
                sequence=48,
            ),
        ]

    @api.model
    def _timeline_all_sources(self):
        """All sources of installed models, a later source replacing an earlier one of the same kind,
        ordered by sequence: ``{kind: source}`` (the order gives each kind its number)."""
        by_kind = {}
        for source in self._timeline_sources():
            if source["model"] in self.env:
                by_kind[source["kind"]] = source
        ordered = sorted(by_kind.values(), key=lambda s: (s["sequence"], s["kind"]))
        if len(ordered) >= KIND_FACTOR:
            raise ValueError("Too many timeline kinds")
        return {source["kind"]: dict(source, number=number) for number, source in enumerate(ordered, 1)}

    @api.model
    def _timeline_scope_sources(self, scope, kinds=None):
        """The sources taking part in the feed of ``scope`` that the current user may read."""
        key = "partner_field" if "partner_ids" in scope else "lead_field"
        return [
            source
            for source in self._timeline_all_sources().values()
            if source[key]
            and (kinds is None or source["kind"] in kinds)
            and self.env[source["model"]].has_access("read")
        ]

    # ------------------------------------------------------------------ scope

    @api.model
    def _timeline_scope(self, partner_id=False, lead_id=False):
        """``{"partner_ids": [...], "partner_id": client}`` for the feed of the client of ``partner_id``
        (its commercial partner and every contact below it, archived ones included) or
        ``{"lead_id": id}`` for the feed of a deal. The current user must be able to read the
        partner / deal (AccessError otherwise)."""
        # Access is checked with the record rules in SQL (``_search``): evaluating them on the record
        # in Python would fetch every column of the partner / deal. The ORM check only runs to raise
        # the standard error when the record is not readable.
        if lead_id:
            Lead = self.env["crm.lead"].with_context(active_test=False)
            if not self.env.execute_query(Lead._search([("id", "=", int(lead_id))]).select()):
                Lead.browse(int(lead_id)).check_access("read")
                return {}
            return {"lead_id": int(lead_id)}
        if not partner_id:
            return {}
        Partner = self.env["res.partner"].with_context(active_test=False)
        readable = Partner._search([("id", "=", int(partner_id))])
        # The client and its contacts, whoever may read them: they only restrict the sources' records,
        # whose own access rules decide what is shown.
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query(
            SQL(
                """
                WITH client AS (SELECT COALESCE(commercial_partner_id, id) AS id FROM res_partner WHERE id IN %s)
                SELECT client.id, ARRAY(SELECT p.id FROM res_partner p WHERE p.commercial_partner_id = client.id)
                  FROM client
                """,
                readable.subselect(),
            )
        )
        if not rows:
            Partner.browse(int(partner_id)).check_access("read")
            return {}
        [(client_id, partner_ids)] = rows
        return {"partner_ids": sorted({client_id, *partner_ids}), "partner_id": client_id}

    @api.model
    def _timeline_scope_from_context(self):
        """Scope of the ``crm.timeline.entry`` list: from the action's context."""
        ctx = self.env.context
        return self._timeline_scope(
            partner_id=ctx.get("crm_timeline_partner_id"), lead_id=ctx.get("crm_timeline_lead_id")
        )

    # ------------------------------------------------------------------ SQL of the feed

    @api.model
    def _timeline_records_query(self, source, scope):
        """``(Model, Query)`` of the records of ``source`` in ``scope`` that the current user may read
        (ACL checked by the caller, record rules applied by ``_search``), or None when there are none.
        Archived records are history too: they are included."""
        Model = self.env[source["model"]].with_context(active_test=False)
        if "partner_ids" in scope:
            scope_domain = [(source["partner_field"], "in", scope["partner_ids"])]
        else:
            scope_domain = [(source["lead_field"], "=", scope["lead_id"])]
        query = Model._search(expression.AND([scope_domain, source["domain"]]))
        if query.is_empty():
            return None
        field_name = scope_domain[0][0]
        field = Model._fields.get(field_name)
        if "." in field_name or (field and field.type in ("many2many", "one2many")):
            # Tied through another table: the ids are computed first (InitPlan) and the records read
            # by primary key, so that the planner never hash-joins the whole table with the scope.
            ids = query.select(SQL.identifier(query.table, "id"))
            query = Query(Model.env, Model._table, Model._table_sql)
            query.add_where(SQL("%s = ANY(ARRAY(%s))", SQL.identifier(Model._table, "id"), ids))
        return Model, query

    @api.model
    def _timeline_branch(self, source, scope):
        """SELECT of the entries of ``source`` in ``scope`` with the columns ``BRANCH_COLUMNS``, or None."""
        if source["query_method"]:
            return getattr(self, source["query_method"])(source, scope)
        found = self._timeline_records_query(source, scope)
        if not found:
            return None
        Model, query = found
        alias = query.table
        date_sql = Model._field_to_sql(alias, source["date_field"], query)
        query.add_where(SQL("%s IS NOT NULL", date_sql))
        user_sql = Model._field_to_sql(alias, source["user_field"], query) if source["user_field"] else SQL("NULL")
        id_sql = SQL.identifier(alias, "id")
        title_sql = (
            Model._field_to_sql(alias, source["title_field"], query)
            if self._timeline_sql_title(source)
            else SQL("NULL")
        )
        return query.select(
            SQL("%s AS id", id_sql),
            SQL("%s AS date", date_sql),
            SQL("%s AS user_id", user_sql),
            SQL("NULL AS author_id"),
            SQL("%s AS title", title_sql),
            SQL("%s AS res_model", source["model"]),
            SQL("%s AS res_id", id_sql),
        )

    @api.model
    def _timeline_union(self, scope, sources, limit=None):
        """The feed of ``scope`` as one SELECT with the columns ``kind, kind_number`` + ``BRANCH_COLUMNS``,
        unordered. With ``limit``, each branch only gives its ``limit`` newest entries (enough for any
        page ending at ``limit``): the page is sorted out of a few rows per source, not out of the
        whole history. None when no source has anything for the scope.

        The built-in message kinds (e-mail, message, note, activity done) share one branch: their
        documents are looked up once and the messages read in one pass."""
        messages = [s for s in sources if s["query_method"] == "_timeline_query_messages"]
        parts = []
        if messages:
            branch = self._timeline_query_messages_kinds(messages, scope)
            if branch is not None:
                numbers = SQL(" ").join(SQL("WHEN %s THEN %s", s["kind"], s["number"]) for s in messages)
                parts.append((SQL("b.kind::varchar"), SQL("CASE b.kind %s END", numbers), branch))
        for source in sources:
            if source in messages:
                continue
            branch = self._timeline_branch(source, scope)
            if branch is not None:
                parts.append((SQL("%s::varchar", source["kind"]), SQL("%s", source["number"]), branch))
        if not parts:
            return None
        branches = []
        for kind, number, branch in parts:
            branch = SQL(
                "SELECT %s AS kind, %s AS kind_number, b.id, b.date::timestamp AS date,"
                " b.user_id::int AS user_id, b.author_id::int AS author_id, b.title::text AS title,"
                " b.res_model::varchar AS res_model, b.res_id::int AS res_id FROM (%s) b",
                kind,
                number,
                branch,
            )
            if limit:
                # OFFSET 0 keeps the branch planned on its own: the scope's rows are found through their
                # partner/deal index and sorted (a few thousand rows for the biggest clients), instead of
                # walking a date index of the whole table and hoping to meet the client's rows early.
                branch = SQL("(SELECT * FROM (%s OFFSET 0) b ORDER BY b.date DESC, b.id DESC LIMIT %s)", branch, limit)
            else:
                branch = SQL("(%s)", branch)
            branches.append(branch)
        return SQL(" UNION ALL ").join(branches)

    @api.model
    def _timeline_rows(self, scope, kinds=None, offset=0, limit=20):
        """One page of the feed, newest first, in one query: list of dicts (kind + ``BRANCH_COLUMNS`` +
        ``who_id``, ``who``: the message's author or the user's partner, and that partner's name, shown
        the way the chatter shows authors, whoever may open them)."""
        sources = self._timeline_scope_sources(scope, kinds)
        union = self._timeline_union(scope, sources, limit=offset + limit) if scope else None
        if union is None:
            return []
        self.env["res.users"].flush_model(["partner_id"])
        self.env["res.partner"].flush_model(["name"])
        return self.env.execute_query_dict(
            SQL(
                """
                SELECT t.kind, t.id, t.date, t.user_id, t.author_id, t.title, t.res_model, t.res_id,
                       who.id AS who_id, who.name AS who
                  FROM (SELECT * FROM (%s) t ORDER BY t.date DESC, t.kind_number DESC, t.id DESC
                        LIMIT %s OFFSET %s) t
                  LEFT JOIN res_users u ON u.id = t.user_id
                  LEFT JOIN res_partner who ON who.id = COALESCE(t.author_id, u.partner_id)
                 ORDER BY t.date DESC, t.kind_number DESC, t.id DESC
                """,
                union,
                limit,
                offset,
            )
        )

    # ------------------------------------------------------------------ built-in query methods

    @api.model
    def _timeline_message_documents(self, scope):
        """``[(model, Query)]``: the documents whose messages belong to the feed, as the current user may
        read them (mail's rule: a message is readable when its document is). For a client: the client's
        partners and the records of every source tied to them (without the source's own domain: the
        messages of a draft quotation belong to the client too); for a deal: the deal and the records
        of every source tied to it."""
        if "partner_ids" in scope:
            key, candidates = "partner_field", [("res.partner", "id")]
            value = scope["partner_ids"]
        else:
            key, candidates = "lead_field", [("crm.lead", "id")]
            value = [scope["lead_id"]]
        for source in self._timeline_all_sources().values():
            if source[key] and not source["query_method"]:
                candidates.append((source["model"], source[key]))
        documents, seen = [], set()
        for model, field in candidates:
            if model in seen:
                continue
            seen.add(model)
            Model = self.env[model].with_context(active_test=False)
            if "message_ids" not in Model._fields or not Model.has_access("read"):
                continue
            query = Model._search([(field, "in", value)])
            if not query.is_empty():
                documents.append((model, query))
        return documents

    @api.model
    def _timeline_message_kind_sql(self):
        """SQL (on alias ``m`` of mail_message): the kind of a message, NULL for the ones that are no entry
        (tracking and system notifications, private messages): a done activity (it has the activity's
        type), an e-mail (received or sent as such), an internal note, or a message posted in the
        chatter."""
        return SQL(
            """CASE WHEN m.message_type = 'user_notification' THEN NULL
                    WHEN m.mail_activity_type_id IS NOT NULL THEN 'activity'
                    WHEN m.message_type IN ('email', 'email_outgoing') THEN 'email'
                    WHEN m.message_type != 'comment' THEN NULL
                    WHEN COALESCE(m.is_internal, FALSE)
                         OR m.subtype_id IN (SELECT id FROM mail_message_subtype WHERE internal) THEN 'note'
                    ELSE 'message' END"""
        )

    @api.model
    def _timeline_query_messages(self, source, scope):
        """Messages of the kind of ``source`` (email, message, note, activity) on the documents of the scope.

        Access follows mail.message: the document must be readable (its ACL and record rules);
        users who are not internal never see internal messages nor messages without subtype."""
        query = self._timeline_query_messages_kinds([source], scope)
        if query is None:
            return None
        return SQL("SELECT id, date, user_id, author_id, title, res_model, res_id FROM (%s) k", query)

    @api.model
    def _timeline_query_messages_kinds(self, sources, scope):
        """The messages of the kinds of ``sources`` in one SELECT (columns ``kind`` + ``BRANCH_COLUMNS``)."""
        documents = self._timeline_message_documents(scope)
        if not documents:
            return None
        self.env["mail.message"].flush_model(
            [
                "model",
                "res_id",
                "date",
                "message_type",
                "subtype_id",
                "is_internal",
                "mail_activity_type_id",
                "author_id",
                "subject",
                "body",
            ]
        )
        kind = self._timeline_message_kind_sql()
        condition = SQL("%s IN %s", kind, tuple(s["kind"] for s in sources))
        if not self.env.user._is_internal():
            condition = SQL(
                "%s AND m.subtype_id IS NOT NULL AND NOT COALESCE(m.is_internal, FALSE)"
                " AND m.subtype_id NOT IN (SELECT id FROM mail_message_subtype WHERE internal)",
                condition,
            )
        # Per document model, the readable documents as one array: the messages are then found with
        # one scan of the (model, res_id) index per model, whatever the size of mail_message (a join
        # with the documents may be planned as a hash join over the whole table).
        # Only the beginning of the body: the title is a one-line preview.
        return SQL(" UNION ALL ").join(
            SQL(
                """
                SELECT %s AS kind, m.id, m.date, NULL AS user_id, m.author_id,
                       COALESCE(NULLIF(m.subject, ''), LEFT(m.body::text, 1000)) AS title,
                       m.model AS res_model, m.res_id
                  FROM mail_message m
                 WHERE m.model = %s AND m.res_id = ANY(ARRAY(%s)) AND (%s) AND %s
                """,
                kind,
                model,
                query.select(SQL.identifier(query.table, "id")),
                SQL(
                    MESSAGE_ENTRY_SQL.replace("message_type", "m.message_type").replace(
                        "mail_activity", "m.mail_activity"
                    )
                ),
                condition,
            )
            for model, query in documents
        )

    @api.model
    def _timeline_query_stage_log(self, source, scope):
        """Stage history rows (``crm.lead.stage.log``, its rules apply) linking to their deal.

        The ``stage`` kind leaves out the first stay of each deal: that one is the deal's creation."""
        found = self._timeline_records_query(source, scope)
        if not found:
            return None
        Log, query = found
        alias = query.table
        date_sql = Log._field_to_sql(alias, source["date_field"], query)
        query.add_where(SQL("%s IS NOT NULL", date_sql))
        lead_alias = query.join(alias, "lead_id", "crm_lead", "id", "lead_id")
        lead_name = self.env["crm.lead"]._field_to_sql(lead_alias, "name", query)
        if source["kind"] == "stage":
            stage_alias = query.join(alias, "stage_id", "crm_stage", "id", "stage_id")
            stage_name = self.env["crm.stage"]._field_to_sql(stage_alias, "name", query)
            title = SQL("%s || ': ' || %s", stage_name, lead_name)
            query.add_where(
                SQL(
                    "EXISTS (SELECT 1 FROM crm_lead_stage_log prev WHERE prev.lead_id = %s"
                    " AND (prev.date_in, prev.id) < (%s, %s))",
                    SQL.identifier(alias, "lead_id"),
                    SQL.identifier(alias, "date_in"),
                    SQL.identifier(alias, "id"),
                )
            )
        else:
            title = lead_name
        user_sql = Log._field_to_sql(alias, source["user_field"], query) if source["user_field"] else SQL("NULL")
        return query.select(
            SQL("%s AS id", SQL.identifier(alias, "id")),
            SQL("%s AS date", date_sql),
            SQL("%s AS user_id", user_sql),
            SQL("NULL AS author_id"),
            SQL("%s AS title", title),
            SQL("'crm.lead' AS res_model"),
            SQL("%s AS res_id", SQL.identifier(alias, "lead_id")),
        )

    # ------------------------------------------------------------------ display

    @api.model
    def _timeline_sql_title(self, source):
        """Whether the title of ``source`` is a plain stored text column, read with the feed's query
        (otherwise it is read through the ORM for the page's records, e.g. ``display_name``)."""
        field = self.env[source["model"]]._fields.get(source["title_field"])
        return bool(
            field
            and field.type in ("char", "text")
            and field.store
            and field.column_type
            and not field.translate
            and not (field.related and not field.store)
        )

    @api.model
    def _timeline_titles(self, rows, sources):
        """Fill ``title`` of ``rows`` (dicts with kind, id, title, res_model, res_id) in batch: the
        ``title_field`` of the source's record, or for query-method rows their SQL title (a preview of
        HTML text) else the display name of the linked record. Records are read with the current
        user's rights: they were selected with them."""
        by_kind = defaultdict(list)
        by_link = defaultdict(list)
        for row in rows:
            source = sources.get(row["kind"])
            if not source:
                row["title"] = ""
            elif source["query_method"]:
                text = row.get("title") or ""
                if "<" in text:
                    text = html2plaintext(text)
                text = re.sub(r"\s+", " ", text).strip()
                if len(text) > TITLE_LENGTH:
                    text = text[: TITLE_LENGTH - 1].rstrip() + "…"
                row["title"] = text
                if not text and row["res_model"] in self.env and row["res_id"]:
                    by_link[row["res_model"]].append(row)
            elif self._timeline_sql_title(source):
                row["title"] = row.get("title") or ""
            else:
                by_kind[row["kind"]].append(row)
        for kind, kind_rows in by_kind.items():
            source = sources[kind]
            records = self.env[source["model"]].with_context(active_test=False).browse([r["id"] for r in kind_rows])
            field = records._fields.get(source["title_field"])
            for row, record in zip(kind_rows, records, strict=True):
                value = record[source["title_field"]] if field else record.display_name
                if field and field.type == "many2one":
                    value = value.display_name
                row["title"] = value or ""
        for model, link_rows in by_link.items():
            records = self.env[model].with_context(active_test=False).browse([r["res_id"] for r in link_rows])
            for row, record in zip(link_rows, records, strict=True):
                row["title"] = record.display_name or ""
        return rows

    # ------------------------------------------------------------------ public API (widget)

    @api.model
    def get_timeline(self, partner_id=False, lead_id=False, kinds=None, offset=0, limit=20):
        """One page of the timeline of a client (``partner_id``: the client or one of its contacts) or of
        a deal (``lead_id``), newest first, as the current user may see it.

        Returns ``{"kinds": [{kind, label, icon}], "entries": [...], "has_more": bool}``; an entry is
        ``{key, kind, label, icon, date, date_only, who_id, who, title, res_model, res_id}``."""
        offset, limit = max(int(offset or 0), 0), min(max(int(limit or 20), 1), 200)
        scope = self._timeline_scope(partner_id=partner_id, lead_id=lead_id)
        sources = {s["kind"]: s for s in self._timeline_scope_sources(scope)} if scope else {}
        wanted = [k for k in kinds if k in sources] if kinds else None
        rows = self._timeline_rows(scope, wanted, offset, limit + 1) if scope else []
        has_more = len(rows) > limit
        rows = rows[:limit]
        self._timeline_titles(rows, sources)
        entries = []
        for row in rows:
            source = sources[row["kind"]]
            Model = self.env[source["model"]]
            date_field = Model._fields.get(source["date_field"])
            entries.append(
                {
                    "key": f"{row['kind']}-{row['id']}",
                    "kind": row["kind"],
                    "label": source["label"],
                    "icon": source["icon"],
                    "date": fields.Datetime.to_string(row["date"]),
                    "date_only": bool(date_field and date_field.type == "date"),
                    "who_id": row["who_id"] or False,
                    "who": row["who"] or "",
                    "title": row["title"],
                    "res_model": row["res_model"],
                    "res_id": row["res_id"],
                }
            )
        return {
            "kinds": [{"kind": s["kind"], "label": s["label"], "icon": s["icon"]} for s in sources.values()],
            "entries": entries,
            "has_more": has_more,
        }
