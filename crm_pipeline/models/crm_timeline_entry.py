from lxml import etree

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

from .crm_timeline import KIND_FACTOR


class CrmTimelineEntry(models.Model):
    """The timeline of one client or deal as rows, for Odoo's list view (search, filters, grouping,
    paging): a SQL view computed per request from the scope in the context
    (``crm_timeline_partner_id`` or ``crm_timeline_lead_id``, set by the "Timeline" buttons). The rows
    are the ``crm.timeline`` feed: each branch is built with the current user's access rules."""

    _name = "crm.timeline.entry"
    _description = "Timeline Entry"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "title"

    kind = fields.Selection(selection="_selection_kind", readonly=True)
    date = fields.Datetime(readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    author_id = fields.Many2one("res.partner", string="Author", readonly=True)
    who_id = fields.Many2one("res.partner", string="Who", readonly=True)
    res_model = fields.Char(string="Document Model", readonly=True)
    res_id = fields.Integer(string="Document ID", readonly=True)
    sql_title = fields.Text(string="Raw Title", readonly=True)
    title = fields.Char(string="What", compute="_compute_title")

    @api.model
    def _selection_kind(self):
        return [(kind, source["label"]) for kind, source in self.env["crm.timeline"]._timeline_all_sources().items()]

    @property
    def _table_query(self):
        timeline = self.env["crm.timeline"]
        scope = timeline._timeline_scope_from_context()
        kinds = self.env.context.get("crm_timeline_kinds")
        sources = timeline._timeline_scope_sources(scope, kinds) if scope else []
        limit = self.env.context.get("crm_timeline_branch_limit")
        union = timeline._timeline_union(scope, sources, limit=limit) if sources else None
        if union is None:
            return SQL(
                "SELECT NULL::bigint AS id, NULL::varchar AS kind, NULL::timestamp AS date, NULL::int AS user_id,"
                " NULL::int AS author_id, NULL::int AS who_id, NULL::varchar AS res_model, NULL::int AS res_id,"
                " NULL::text AS sql_title WHERE FALSE"
            )
        return SQL(
            "SELECT t.id::bigint * %s + t.kind_number AS id, t.kind, t.date, t.user_id, t.author_id,"
            " COALESCE(t.author_id, u.partner_id) AS who_id, t.res_model, t.res_id, t.title AS sql_title"
            " FROM (%s) t LEFT JOIN res_users u ON u.id = t.user_id",
            KIND_FACTOR,
            union,
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        """A page in the default order, filtered on kinds at most (the list as it opens, or with kind
        filters): each source only gives its ``offset + limit`` newest rows, as in the widget."""
        kinds = self._crm_timeline_domain_kinds(domain)
        if limit and kinds is not False and (not order or order == self._order):
            paged = self.with_context(crm_timeline_branch_limit=offset + limit, crm_timeline_kinds=kinds)
            return paged._crm_timeline_search(domain, offset, limit, order)
        return super()._search(domain, offset, limit, order)

    @api.model
    def _crm_timeline_search(self, domain, offset, limit, order):
        return super()._search(domain, offset, limit, order)

    @api.model
    def _crm_timeline_domain_kinds(self, domain):
        """The kinds ``domain`` keeps when it is only kind conditions joined by OR (None: all kinds),
        False for any other domain."""
        domain = expression.normalize_domain(domain or [])
        if domain == expression.TRUE_DOMAIN:
            return None
        kinds = set()
        for leaf in domain:
            if leaf == "|":
                continue
            if not (isinstance(leaf, list | tuple) and len(leaf) == 3 and leaf[0] == "kind"):
                return False
            if leaf[1] == "=" and isinstance(leaf[2], str):
                kinds.add(leaf[2])
            elif leaf[1] == "in" and isinstance(leaf[2], list | tuple):
                kinds.update(leaf[2])
            else:
                return False
        return sorted(kinds)

    @api.depends("kind", "sql_title", "res_model", "res_id")
    def _compute_title(self):
        timeline = self.env["crm.timeline"]
        sources = timeline._timeline_all_sources()
        rows = [
            {
                "kind": entry.kind,
                "id": entry.id // KIND_FACTOR,
                "title": entry.sql_title,
                "res_model": entry.res_model,
                "res_id": entry.res_id,
            }
            for entry in self
        ]
        timeline._timeline_titles(rows, sources)
        for entry, row in zip(self, rows, strict=True):
            entry.title = row["title"]

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """One search filter per kind, whichever addon added it."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "search":
            anchor = arch.find(".//filter[@name='kind_anchor']")
            if anchor is not None:
                parent = anchor.getparent()
                index = parent.index(anchor)
                parent.remove(anchor)
                for offset, (kind, label) in enumerate(self._selection_kind()):
                    node = etree.Element(
                        "filter", name=f"kind_{kind}", string=label, domain=repr([("kind", "=", kind)])
                    )
                    parent.insert(index + offset, node)
        return arch, view

    def action_open_record(self):
        """Open the document of the entry (row click of the list)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "views": [(False, "form")],
            "target": "current",
        }
