from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from .test_deal_type import DealTypeCommon

T0 = datetime(2025, 3, 1, 9, 0, 0)


class TimelineCommon(DealTypeCommon):
    """A client (company + a buyer contact) with the whole history of an order on fixed dates:

    email (T0) -> order confirmed (T0 + 1 day) -> meeting (+2 days) -> delivery done (+3 days)
    -> invoice posted (+4 days, a date) -> payment (+5 days, a date).

    The order, its delivery and its invoice belong to the first salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.timeline = cls.env["crm.timeline"]
        cls.user_admin = cls.env.ref("base.user_admin")
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Irina Buyer", "parent_id": cls.client.id, "email": "irina@romashka.example"}
        )
        cls.other_client = cls.env["res.partner"].create({"name": "OOO Vasilek", "is_company": True})
        cls.product = cls.env["product.product"].create(
            {
                "name": "Circulation Pump",
                "type": "consu",
                "is_storable": True,
                "list_price": 1000.0,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.env["stock.quant"]._update_available_quantity(cls.product, warehouse.lot_stock_id, 100.0)

        cls.email = cls.client.message_post(
            body="<p>Please send us a quote for <b>two pumps</b>.</p>",
            subject="Request for a quote",
            message_type="email",
            subtype_xmlid="mail.mt_comment",
            author_id=cls.buyer.id,
        )
        cls.email.date = T0
        cls.order = cls._new_order(cls.buyer, cls.user_salesperson)
        cls.order.action_confirm()
        cls.order.date_order = T0 + timedelta(days=1)
        cls.meeting = (
            cls.env["calendar.event"]
            .with_context(no_mail_to_attendees=True)
            .create(
                {
                    "name": "Pump selection",
                    "start": T0 + timedelta(days=2),
                    "stop": T0 + timedelta(days=2, hours=1),
                    "user_id": cls.user_salesperson.id,
                    "partner_ids": [Command.set((cls.buyer | cls.user_salesperson.partner_id).ids)],
                }
            )
        )
        cls.picking = cls.order.picking_ids
        cls.picking.move_ids.quantity = 2.0
        cls.picking.move_ids.picked = True
        cls.picking.button_validate()
        cls.picking.date_done = T0 + timedelta(days=3)
        cls.invoice = cls.order._create_invoices()
        cls.invoice.invoice_date = date(2025, 3, 5)
        cls.invoice.action_post()
        cls.payment = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=cls.invoice.ids)
            .create({"payment_date": date(2025, 3, 6)})
            ._create_payments()
        )
        # what the admin sees, newest first
        cls.history = [
            ("payment", "account.payment", cls.payment.id),
            ("invoice", "account.move", cls.invoice.id),
            ("delivery", "stock.picking", cls.picking.id),
            ("meeting", "calendar.event", cls.meeting.id),
            ("order", "sale.order", cls.order.id),
            ("email", "res.partner", cls.client.id),
        ]

    @classmethod
    def _new_order(cls, partner, user, **values):
        vals = {
            "partner_id": partner.id,
            "user_id": user.id,
            "team_id": cls.team.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": cls.product.id,
                        "product_uom_qty": 2.0,
                        "price_unit": 1000.0,
                        "tax_id": [Command.clear()],
                    }
                )
            ],
        }
        vals.update(values)
        return cls.env["sale.order"].create(vals)

    def _feed(self, user, limit=50, **kwargs):
        kwargs.setdefault("partner_id", self.client.id)
        return self.timeline.with_user(user).get_timeline(limit=limit, **kwargs)

    @staticmethod
    def _links(feed):
        return [(e["kind"], e["res_model"], e["res_id"]) for e in feed["entries"]]


@tagged("post_install", "-at_install")
class TestTimeline(TimelineCommon):
    def test_client_history_in_order_with_links(self):
        """Acceptance: order -> delivery -> invoice -> payment, an email and a meeting, newest first, each
        linking to its record, for the whole client (entries of a contact included)."""
        feed = self._feed(self.user_admin)
        self.assertEqual(self._links(feed), self.history)
        self.assertFalse(feed["has_more"])
        by_kind = {e["kind"]: e for e in feed["entries"]}
        self.assertEqual(by_kind["email"]["who"], "Irina Buyer")
        self.assertEqual(by_kind["email"]["who_id"], self.buyer.id)
        self.assertEqual(by_kind["email"]["title"], "Request for a quote")
        self.assertEqual(by_kind["email"]["date"], "2025-03-01 09:00:00")
        self.assertEqual(by_kind["order"]["who"], "Sasha Salesperson")
        self.assertEqual(by_kind["order"]["title"], self.order.name)
        self.assertEqual(by_kind["order"]["label"], "Order confirmed")
        self.assertEqual(by_kind["order"]["icon"], "fa-shopping-cart")
        self.assertEqual(by_kind["invoice"]["title"], self.invoice.name)
        self.assertTrue(by_kind["invoice"]["date_only"])
        self.assertFalse(by_kind["delivery"]["date_only"])
        self.assertEqual(by_kind["meeting"]["title"], "Pump selection")
        # every link opens a record the user may read
        for entry in feed["entries"]:
            record = self.env[entry["res_model"]].with_user(self.user_admin).browse(entry["res_id"])
            record.check_access("read")
            self.assertTrue(record.exists())
        # the feed of a contact is the feed of its client; another client has none of it
        self.assertEqual(self._links(self._feed(self.user_admin, partner_id=self.buyer.id)), self.history)
        self.assertEqual(self._feed(self.user_admin, partner_id=self.other_client.id)["entries"], [])

    def test_salesperson_does_not_see_what_she_may_not_read(self):
        """Record rules hold inside the feed: another salesperson does not see the order and invoice of
        her colleague (Odoo's "Personal Orders" / "Personal Invoices"), nobody in sales sees payments
        (no access to account.payment), the owner sees her own documents."""
        other = self._feed(self.user_salesperson_2)
        self.assertEqual(
            self._links(other),
            [e for e in self.history if e[0] in ("delivery", "meeting", "email")],
        )
        with self.assertRaises(AccessError):
            self.order.with_user(self.user_salesperson_2).check_access("read")
        owner = self._feed(self.user_salesperson)
        self.assertEqual(self._links(owner), [e for e in self.history if e[0] != "payment"])
        self.assertFalse(self.env["account.payment"].with_user(self.user_salesperson).has_access("read"))
        self.assertNotIn("payment", [k["kind"] for k in owner["kinds"]], "no chip for a kind she cannot read")
        # the messages of a document follow the document: a note on the order is hidden with it
        self.order.message_post(
            body="Discount agreed with the buyer", subtype_xmlid="mail.mt_note", message_type="comment"
        )
        self.assertIn("note", [e["kind"] for e in self._feed(self.user_salesperson)["entries"]])
        self.assertNotIn("note", [e["kind"] for e in self._feed(self.user_salesperson_2)["entries"]])

    def test_client_that_cannot_be_read(self):
        """The feed of a client needs read access to the client itself."""
        secret = self.env["res.partner"].create({"name": "Other company client", "company_id": self.other_company.id})
        with self.assertRaises(AccessError):
            self._feed(self.user_salesperson, partner_id=secret.id)

    def test_internal_notes_only_for_internal_users(self):
        """mail's rule: a portal user of the client sees the client's messages, not its internal notes."""
        self.client.message_post(
            body="Public answer to the client", subtype_xmlid="mail.mt_comment", message_type="comment"
        )
        self.client.message_post(body="The client pays late", subtype_xmlid="mail.mt_note", message_type="comment")
        portal = new_test_user(self.env, login="crm_portal_buyer", groups="base.group_portal", partner_id=self.buyer.id)
        kinds = [e["kind"] for e in self._feed(portal)["entries"]]
        self.assertIn("message", kinds)
        self.assertNotIn("note", kinds)
        staff = [e["kind"] for e in self._feed(self.user_salesperson_2)["entries"]]
        self.assertIn("message", staff)
        self.assertIn("note", staff)

    def test_paging(self):
        """Pages of 10 put together give the whole feed once, in the same order."""
        for index in range(25):
            message = self.client.message_post(
                body=f"Call note {index}", subtype_xmlid="mail.mt_note", message_type="comment"
            )
            message.date = T0 - timedelta(hours=index + 1)
        whole = self._feed(self.user_head, limit=100)
        self.assertEqual(len(whole["entries"]), 25 + 5)  # the head of sales reads all but the payment
        pages, offset = [], 0
        while True:
            page = self._feed(self.user_head, limit=10, offset=offset)
            pages.append(page)
            offset += len(page["entries"])
            if not page["has_more"]:
                break
        self.assertEqual([len(p["entries"]) for p in pages], [10, 10, 10])
        self.assertEqual([e["key"] for p in pages for e in p["entries"]], [e["key"] for e in whole["entries"]])
        self.assertEqual(whole["entries"][-1]["title"], "Call note 24", "oldest last")

    def test_kind_filter(self):
        """Only the requested kinds; unknown kinds are ignored."""
        self.client.message_post(body="Called, no answer", subtype_xmlid="mail.mt_note", message_type="comment")
        feed = self._feed(self.user_admin, kinds=["meeting", "payment", "no_such_kind"])
        self.assertEqual(self._links(feed), [self.history[0], self.history[3]])
        feed = self._feed(self.user_admin, kinds=["note"])
        self.assertEqual([(e["kind"], e["title"]) for e in feed["entries"]], [("note", "Called, no answer")])

    def test_deal_feed(self):
        """The feed of a deal: its creation, stage changes, won, its messages, activities done, meetings
        and orders, nothing of the client's other deals; the client feed has both deals."""
        incoming, meeting_stage, _proposal = self.quick_stages
        sales = self.user_salesperson
        with freeze_time(T0 + timedelta(days=10)) as frozen:
            deal = self._new_deal(partner_id=self.client.id, name="Pumps for the boiler room")
            other = self._new_deal(partner_id=self.client.id, name="Spare parts")
            frozen.tick(timedelta(hours=1))
            deal.with_user(sales).stage_id = meeting_stage
            frozen.tick(timedelta(hours=1))
            deal.with_user(sales).message_post(
                body="Asked for the drawings", subtype_xmlid="mail.mt_note", message_type="comment"
            )
            activity = deal.with_user(sales).activity_schedule("mail.mail_activity_data_call", summary="Call back")
            activity.action_feedback(feedback="Drawings promised")
            frozen.tick(timedelta(hours=1))
            order = self._new_order(self.client, sales, opportunity_id=deal.id)
            order.action_quotation_sent()
            frozen.tick(timedelta(hours=1))
            deal.with_user(sales).action_set_won()
            frozen.tick(timedelta(hours=1))
            other.with_user(sales).action_set_lost()
        self.assertEqual(order.crm_date_quotation_sent, T0 + timedelta(days=10, hours=3))
        feed = self._feed(sales, partner_id=False, lead_id=deal.id)
        links = self._links(feed)
        # (the creation date is the transaction's time, not the frozen one: left out of the order check)
        self.assertEqual(
            [kind for kind, _model, _id in links if kind != "deal"],
            ["won", "quotation", "activity", "note", "stage"],
        )
        self.assertIn(("quotation", "sale.order", order.id), links)
        self.assertIn(("deal", "crm.lead", deal.id), links)
        for kind in ("won", "stage", "note", "activity"):
            self.assertEqual({(m, i) for k, m, i in links if k == kind}, {("crm.lead", deal.id)}, kind)
        by_kind = {e["kind"]: e for e in feed["entries"]}
        self.assertEqual(by_kind["stage"]["title"], f"{meeting_stage.name}: Pumps for the boiler room")
        self.assertIn("Call back", by_kind["activity"]["title"])
        self.assertNotIn(incoming.name, [e["title"].split(":")[0] for e in feed["entries"] if e["kind"] == "stage"])
        self.assertNotIn("lost", [kind for kind, _m, _i in links])
        # the lost deal is archived but stays in the client's history
        client_links = self._links(self._feed(sales))
        self.assertIn(("lost", "crm.lead", other.id), client_links)
        self.assertIn(("deal", "crm.lead", other.id), client_links)
        self.assertIn(("won", "crm.lead", deal.id), client_links)
        # the deal feed needs read access to the deal
        with self.assertRaises(AccessError):
            self._feed(self.user_salesperson_2, partner_id=False, lead_id=deal.id)

    def test_extension_point(self):
        """Built-in kinds are declared through _timeline_sources(); a source added by an inheriting addon
        shows in the feed, the list's kinds and filters, and its domain restricts its entries."""
        builtin = {s["kind"] for s in self.timeline._timeline_sources()}
        self.assertLessEqual(
            {"email", "message", "note", "activity", "meeting", "deal", "stage", "won", "lost"}
            | {"quotation", "order", "delivery", "invoice", "payment"},
            builtin,
        )
        with self.assertRaises(TypeError):
            self.timeline._timeline_source(kind="x", label="X", model="sale.order", date_field="date_order", colour=1)
        # a query-method source on its own (the built-in message kinds are read together in the feed)
        timeline = self.timeline.with_user(self.user_salesperson)
        scope = timeline._timeline_scope(partner_id=self.client.id)
        [email_source] = [s for s in timeline._timeline_scope_sources(scope) if s["kind"] == "email"]
        rows = self.env.execute_query_dict(timeline._timeline_branch(email_source, scope))
        self.assertEqual(
            [(r["id"], r["res_model"], r["res_id"]) for r in rows], [(self.email.id, "res.partner", self.client.id)]
        )
        big = self._new_order(self.client, self.user_salesperson)
        big.order_line.product_uom_qty = 50
        small = self._new_order(self.client, self.user_salesperson)
        Timeline = self.registry["crm.timeline"]
        original = Timeline._timeline_sources

        def _timeline_sources(timeline):
            sources = original(timeline)
            sources.append(
                timeline._timeline_source(
                    kind="big_quote",
                    label="Big quotation",
                    model="sale.order",
                    date_field="create_date",
                    partner_field="partner_id",
                    lead_field="opportunity_id",
                    user_field="user_id",
                    title_field="name",
                    icon="fa-diamond",
                    domain=[("amount_total", ">", 10000)],
                    sequence=5,
                )
            )
            return sources

        with patch.object(Timeline, "_timeline_sources", _timeline_sources):
            feed = self._feed(self.user_salesperson, kinds=["big_quote"])
            self.assertEqual(self._links(feed), [("big_quote", "sale.order", big.id)])
            self.assertNotIn(small.id, [e["res_id"] for e in feed["entries"]])
            self.assertEqual(feed["entries"][0]["title"], big.name)
            self.assertEqual(feed["kinds"][0], {"kind": "big_quote", "label": "Big quotation", "icon": "fa-diamond"})
            Entry = self.env["crm.timeline.entry"].with_user(self.user_salesperson)
            self.assertIn(("big_quote", "Big quotation"), Entry._selection_kind())
            Entry = Entry.with_context(crm_timeline_partner_id=self.client.id)
            self.assertEqual(Entry.search([("kind", "=", "big_quote")]).mapped("res_id"), big.ids)
            # another salesperson's big quotation is not hers
            self.assertFalse(self._feed(self.user_salesperson_2, kinds=["big_quote"])["entries"])

    def test_demo_correspondence(self):
        """The demo step gives the clients e-mails from their people, notes and done activities, and
        dates the sending of the quotations in the past."""
        self._new_deal(partner_id=self.client.id)  # a deal of the salesperson with the client
        ctx = {
            "seed": 3,
            "company": self.env.company,
            "plan": {"months": [date(2025, 1, 1)]},
            "today": date(2025, 3, 1),
            "clients": self.client | self.other_client,
            "salespeople": self.user_salesperson | self.user_salesperson_2,
            "config": {"batch": 10},
        }
        before = {e["key"] for e in self._feed(self.user_admin, limit=200)["entries"]}
        self.env["crm.demo.generator"]._demo_step_timeline(ctx)
        new = [e for e in self._feed(self.user_admin, limit=200)["entries"] if e["key"] not in before]
        emails = [e for e in new if e["kind"] == "email"]
        self.assertTrue(emails)
        self.assertEqual({e["who_id"] for e in emails}, {self.buyer.id}, "written by the client's people")
        self.assertTrue(all("2025-01-01" <= e["date"] < "2025-03-02" for e in emails))
        activities = [e for e in new if e["kind"] == "activity"]
        self.assertEqual([e["who"] for e in activities], ["Sasha Salesperson"])
        self.assertTrue("2025-01-01" <= activities[0]["date"] < "2025-03-02")
        self.assertTrue(self.order.crm_date_quotation_sent or self.order.id % 10 >= 7)

    def test_first_page_query_count(self):
        """The first page costs a fixed number of queries, whatever the size of the history."""
        for index in range(30):
            message = self.client.message_post(
                body=f"Note {index}", subtype_xmlid="mail.mt_note", message_type="comment"
            )
            message.date = T0 - timedelta(hours=index + 1)
        timeline = self.timeline.with_user(self.user_admin)
        timeline.get_timeline(partner_id=self.client.id)  # warm the ACL / rule caches
        self.env.invalidate_all()
        with self.assertQueryCount(8):
            feed = timeline.get_timeline(partner_id=self.client.id, limit=20)
        self.assertEqual(len(feed["entries"]), 20)
        self.assertTrue(feed["has_more"])
        for index in range(200):
            message = self.client.message_post(body=f"Older note {index}", subtype_xmlid="mail.mt_note")
            message.date = T0 - timedelta(days=10, hours=index)
        self.env.invalidate_all()
        with self.assertQueryCount(8):
            again = timeline.get_timeline(partner_id=self.client.id, limit=20)
        self.assertEqual([e["key"] for e in again["entries"]], [e["key"] for e in feed["entries"]])


@tagged("post_install", "-at_install")
class TestTimelineList(TimelineCommon):
    """The timeline as Odoo's list view (crm.timeline.entry)."""

    def _entries(self, user, **ctx):
        ctx.setdefault("crm_timeline_partner_id", self.client.id)
        return self.env["crm.timeline.entry"].with_user(user).with_context(**ctx)

    def test_list_is_the_feed(self):
        """web_search_read gives the same entries as the widget, paged and counted, with access rules."""
        spec = {
            "date": {},
            "kind": {},
            "title": {},
            "who_id": {"fields": {"display_name": {}}},
            "res_model": {},
            "res_id": {},
        }
        result = self._entries(self.user_admin).web_search_read([], spec, limit=4)
        self.assertEqual(result["length"], 6)
        self.assertEqual(
            [(r["kind"], r["res_model"], r["res_id"]) for r in result["records"]],
            self.history[:4],
        )
        page2 = self._entries(self.user_admin).web_search_read([], spec, offset=4, limit=4)
        self.assertEqual([(r["kind"], r["res_model"], r["res_id"]) for r in page2["records"]], self.history[4:])
        email = page2["records"][-1]
        self.assertEqual((email["title"], email["who_id"]["id"]), ("Request for a quote", self.buyer.id))
        other = self._entries(self.user_salesperson_2).web_search_read([], spec)
        self.assertEqual([r["kind"] for r in other["records"]], ["delivery", "meeting", "email"])
        # a deal's list, and no scope at all
        self.assertFalse(self._entries(self.user_admin, crm_timeline_partner_id=False).search([]))

    def test_filters_and_grouping(self):
        """One search filter per kind; filtering and grouping by kind work on the list."""
        arch = self._entries(self.user_salesperson).get_views([(False, "search")])["views"]["search"]["arch"]
        for kind in ("email", "meeting", "order", "delivery", "invoice", "payment"):
            self.assertIn(f'name="kind_{kind}"', arch)
        self.assertNotIn("kind_anchor", arch)
        Entries = self._entries(self.user_admin)
        self.assertEqual(Entries.search([("kind", "in", ("order", "invoice"))]).mapped("kind"), ["invoice", "order"])
        # a page of the list: each source only gives its newest rows, same result as the whole list
        whole = [(e.kind, e.res_id) for e in Entries.search([])]
        for domain in ([], ["|", ("kind", "=", "order"), ("kind", "=", "invoice")], [("kind", "in", ["meeting"])]):
            every = [(e.kind, e.res_id) for e in Entries.search(domain)]
            self.assertEqual([k for k in whole if k in every], every)
            for offset in range(len(every)):
                page = Entries.search(domain, offset=offset, limit=2)
                self.assertEqual([(e.kind, e.res_id) for e in page], every[offset : offset + 2], (domain, offset))
        self.assertEqual(Entries._crm_timeline_domain_kinds([]), None)
        self.assertEqual(
            Entries._crm_timeline_domain_kinds(["|", ("kind", "=", "b"), ("kind", "in", ["a"])]), ["a", "b"]
        )
        self.assertIs(Entries._crm_timeline_domain_kinds([("kind", "=", "a"), ("who_id", "=", 1)]), False)
        groups = Entries.read_group([], ["kind"], ["kind"])
        self.assertEqual(
            {g["kind"]: g["kind_count"] for g in groups}, dict.fromkeys([k for k, _m, _i in self.history], 1)
        )

    def test_buttons_open_the_list(self):
        """The Timeline buttons of the client and the deal open the list on their scope."""
        action = self.buyer.with_user(self.user_salesperson).action_crm_timeline()
        self.assertEqual(action["res_model"], "crm.timeline.entry")
        self.assertEqual(action["context"], {"crm_timeline_partner_id": self.client.id})
        deal = self._new_deal(partner_id=self.client.id)
        action = deal.with_user(self.user_salesperson).action_crm_timeline()
        self.assertEqual(action["context"], {"crm_timeline_lead_id": deal.id})
        entries = self._entries(self.user_salesperson, crm_timeline_partner_id=False, crm_timeline_lead_id=deal.id)
        self.assertEqual(entries.search([]).mapped("kind"), ["deal"], "its first stage is its creation")
        entry = self._entries(self.user_admin).search([("kind", "=", "invoice")])
        self.assertEqual(
            entry.action_open_record(),
            {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": self.invoice.id,
                "views": [(False, "form")],
                "target": "current",
            },
        )
