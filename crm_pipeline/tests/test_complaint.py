import random
import re
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.crm_pipeline.models.crm_complaint import CrmComplaint

from .common import CrmPipelineCommon


class ComplaintCommon(CrmPipelineCommon):
    """The salesperson's client with a confirmed, delivered and invoiced order of two products, and a
    second client of the other salesperson with an order of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quality = cls.env.ref("crm_pipeline.crm_complaint_category_quality")
        cls.delay = cls.env.ref("crm_pipeline.crm_complaint_category_delivery_delay")
        cls.billing = cls.env.ref("crm_pipeline.crm_complaint_category_billing")
        cls.client.user_id = cls.user_salesperson
        cls.buyer = cls.env["res.partner"].create({"name": "Irina Buyer", "parent_id": cls.client.id})
        cls.client_2 = cls.env["res.partner"].create(
            {"name": "OOO Vasilek", "is_company": True, "user_id": cls.user_salesperson_2.id}
        )
        cls.pump, cls.valve = cls.env["product.product"].create(
            [
                {
                    "name": name,
                    "type": "consu",
                    "is_storable": True,
                    "list_price": price,
                    "invoice_policy": "order",
                    "taxes_id": [Command.clear()],
                }
                for name, price in (("Circulation Pump", 1000.0), ("Ball Valve", 50.0))
            ]
        )
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        for product in (cls.pump, cls.valve):
            cls.env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 100.0)
        cls.order = cls._confirmed_order(cls.buyer, cls.user_salesperson, [(cls.pump, 2), (cls.valve, 10)])
        cls.order_2 = cls._confirmed_order(cls.client_2, cls.user_salesperson_2, [(cls.pump, 1)])

    @classmethod
    def _confirmed_order(cls, partner, user, lines):
        """A confirmed order, its delivery validated and its invoice posted."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": user.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "price_unit": product.list_price,
                            "tax_id": [Command.clear()],
                        }
                    )
                    for product, qty in lines
                ],
            }
        )
        order.action_confirm()
        for move in order.picking_ids.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        order.picking_ids.button_validate()
        order._create_invoices().action_post()
        return order

    def _complaint(self, **vals):
        return self.env["crm.complaint"].create({"category_id": self.quality.id, "partner_id": self.client.id, **vals})


@tagged("post_install", "-at_install")
class TestComplaint(ComplaintCommon):
    """Recording and handling complaints."""

    def test_quick_create_from_sale_order(self):
        """The order's button opens a dialog with the client and the order filled in; the responsible is
        the order's salesperson, the deadline follows the severity, the reference comes from the sequence."""
        order = self.order.with_user(self.user_salesperson)
        action = order.action_crm_complaint_new()
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["views"][0][0], self.env.ref("crm_pipeline.crm_complaint_view_form_quick").id)
        Complaint = self.env["crm.complaint"].with_user(self.user_salesperson).with_context(**action["context"])
        today = fields.Date.context_today(Complaint)
        with Form(Complaint, view="crm_pipeline.crm_complaint_view_form_quick") as form:
            self.assertEqual(form.partner_id, self.buyer)
            self.assertEqual(form.sale_order_id, self.order)
            # two products on the order: the manager picks one among them
            self.assertFalse(form.product_id)
            self.assertEqual(form.user_id, self.user_salesperson)
            self.assertEqual(form.date_deadline, today + timedelta(days=7))
            form.severity = "critical"
            self.assertEqual(form.date_deadline, today + timedelta(days=1))
            form.category_id = self.quality
            form.product_id = self.valve
            form.description = "Two valves leak"
        complaint = form.record
        # the choices offered: the order's own products and invoices
        self.assertEqual(complaint.allowed_product_ids, self.pump | self.valve)
        self.assertEqual(complaint.allowed_move_ids, self.order.invoice_ids)
        self.assertEqual(complaint.product_id, self.valve)
        self.assertRegex(complaint.name, r"^CMP/%d/\d{5}$" % today.year)
        self.assertEqual(complaint.display_name, f"{complaint.name}: Quality")
        self.assertEqual(complaint.commercial_partner_id, self.client)
        self.assertEqual(complaint.company_id, self.order.company_id)
        self.assertEqual(complaint.state, "new")
        self.assertEqual(self.order.crm_complaint_count, 1)
        self.assertEqual(self.order.action_crm_complaint_view()["domain"], [("sale_order_id", "=", self.order.id)])

    def test_single_product_order_prefills_the_product(self):
        complaint = self.env["crm.complaint"].create({"sale_order_id": self.order_2.id, "category_id": self.delay.id})
        self.assertEqual(complaint.partner_id, self.client_2)
        self.assertEqual(complaint.product_id, self.pump)
        self.assertEqual(complaint.user_id, self.user_salesperson_2)

    def test_quick_create_from_client_card(self):
        """From the client's card: the client is filled in, its salesperson is responsible, the complaint
        is counted on the card and listed by its smart button."""
        partner = self.client.with_user(self.user_salesperson)
        action = partner.action_crm_complaint_new()
        with Form(
            self.env["crm.complaint"].with_user(self.user_salesperson).with_context(**action["context"]),
            view="crm_pipeline.crm_complaint_view_form_quick",
        ) as form:
            self.assertEqual(form.partner_id, self.client)
            self.assertEqual(form.user_id, self.user_salesperson)
            form.category_id = self.billing
            form.severity = "low"
        complaint = form.record
        self.assertEqual(complaint.date_deadline, fields.Date.context_today(complaint) + timedelta(days=14))
        # a contact's card counts the complaints of its company
        self.assertEqual(partner.crm_complaint_count, 1)
        self.assertEqual(self.buyer.with_user(self.user_salesperson).crm_complaint_count, 1)
        view = partner.action_crm_complaint_view()
        self.assertEqual(view["domain"], [("commercial_partner_id", "=", self.client.id)])
        self.assertEqual(self.env["crm.complaint"].search(view["domain"]), complaint)

    def test_documents_must_belong_to_the_client(self):
        with self.assertRaises(ValidationError):
            self._complaint(sale_order_id=self.order.id, picking_id=self.order_2.picking_ids.id)
        with self.assertRaises(ValidationError):
            self._complaint(sale_order_id=self.order.id, move_id=self.order_2.invoice_ids.id)
        with self.assertRaises(ValidationError):
            self._complaint(move_id=self.order_2.invoice_ids.id)
        complaint = self._complaint(
            sale_order_id=self.order.id, picking_id=self.order.picking_ids.id, move_id=self.order.invoice_ids.id
        )
        self.assertEqual(complaint.partner_id, self.client)
        # without the order, the client's own delivery and invoice stay
        complaint.sale_order_id = False
        self.assertEqual(complaint.picking_id, self.order.picking_ids)
        self.assertEqual(complaint.move_id, self.order.invoice_ids)
        # another client's order brings its client and drops the documents of the first one
        complaint.sale_order_id = self.order_2
        self.assertEqual(complaint.partner_id, self.client_2)
        self.assertFalse(complaint.picking_id)
        self.assertFalse(complaint.move_id)
        self.assertEqual(complaint.product_id, self.pump)

    def test_workflow(self):
        """new -> in progress -> resolved (resolution required) -> reopened -> rejected, each change
        tracked in the chatter (each step is its own request: tracking is written at commit)."""
        complaint = self._complaint(sale_order_id=self.order.id).with_user(self.user_salesperson)
        self.env.cr.precommit.run()
        complaint.action_start()
        self.env.cr.precommit.run()
        self.assertEqual(complaint.state, "in_progress")
        with self.assertRaises(UserError):
            complaint.action_start()
        with self.assertRaises(UserError) as refused:
            complaint.action_resolve()
        self.assertIn("Write the resolution", str(refused.exception))
        # the server refuses it whatever the client: RPC writes are checked too
        with self.assertRaises(ValidationError) as refused:
            complaint.write({"state": "resolved", "resolution": "  "})
        self.assertIn("Write the resolution", str(refused.exception))
        complaint.invalidate_recordset()
        self.assertEqual(complaint.state, "in_progress")
        self.assertFalse(complaint.date_closed)
        complaint.resolution = "Pump replaced"
        complaint.action_resolve()
        self.env.cr.precommit.run()
        self.assertEqual(complaint.state, "resolved")
        self.assertTrue(complaint.date_closed)
        self.assertGreaterEqual(complaint.days_to_close, 0.0)
        with self.assertRaises(UserError):
            complaint.action_reject()
        complaint.action_reopen()
        self.env.cr.precommit.run()
        self.assertEqual(complaint.state, "in_progress")
        self.assertFalse(complaint.date_closed)
        complaint.action_reject()
        self.env.cr.precommit.run()
        self.assertEqual(complaint.state, "rejected")
        tracked = (
            complaint.sudo()
            .message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "state")
            .sorted(lambda t: (t.mail_message_id.id, t.id))
        )
        self.assertEqual(tracked.mapped("new_value_char"), ["In Progress", "Resolved", "In Progress", "Rejected"])

    def test_overdue(self):
        complaint = self._complaint(severity="high")
        self.assertFalse(complaint.is_overdue)
        complaint.date_deadline = fields.Date.context_today(complaint) - timedelta(days=1)
        self.assertTrue(complaint.is_overdue)
        complaint.write({"state": "resolved", "resolution": "Done"})
        self.assertFalse(complaint.is_overdue)

    def test_process_hooks(self):
        """crm_bpm's entry points: called once per create and per write that changes states, with the
        previous states of exactly the complaints that changed."""
        created, changed = [], []

        def on_created(records):
            created.append(records.ids)

        def on_changed(records, old_states):
            changed.append((records.ids, dict(old_states), records.mapped("state")))

        with (
            patch.object(CrmComplaint, "_crm_complaint_created", autospec=True, side_effect=on_created),
            patch.object(CrmComplaint, "_crm_complaint_state_changed", autospec=True, side_effect=on_changed),
        ):
            first, second = self.env["crm.complaint"].create(
                [
                    {"category_id": self.quality.id, "partner_id": self.client.id},
                    {"category_id": self.delay.id, "partner_id": self.client_2.id},
                ]
            )
            self.assertEqual(created, [[first.id, second.id]])
            first.action_start()
            (first | second).write({"state": "in_progress", "description": "Checked"})
            first.write({"description": "No state change"})
        self.assertEqual(
            changed,
            [
                ([first.id], {first.id: "new"}, ["in_progress"]),
                ([second.id], {second.id: "new"}, ["in_progress"]),
            ],
        )


@tagged("post_install", "-at_install")
class TestComplaintRights(ComplaintCommon):
    """Who sees which complaint: salespeople their own clients', orders' and assignments, heads of sales
    all of their companies', marketers none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # sp1's client, handled by the head
        cls.own_client = cls._complaint_of(cls.client, cls.user_head)
        # sp2's client, but sp1's order
        cls.own_order = cls._complaint_of(cls.client_2, cls.user_head, order=cls._confirmed_order_for_rights())
        # sp2's client, assigned to sp1
        cls.assigned = cls._complaint_of(cls.client_2, cls.user_salesperson)
        # sp2's client and complaint
        cls.foreign = cls._complaint_of(cls.client_2, cls.user_salesperson_2)
        cls.other_company_complaint = (
            cls.env["crm.complaint"]
            .with_company(cls.other_company)
            .create(
                {
                    "category_id": cls.env.ref("crm_pipeline.crm_complaint_category_service").id,
                    "partner_id": cls.client_2.id,
                    "user_id": cls.user_head.id,
                    "company_id": cls.other_company.id,
                }
            )
        )
        cls.mine = cls.own_client | cls.own_order | cls.assigned
        cls.all = cls.mine | cls.foreign

    @classmethod
    def _confirmed_order_for_rights(cls):
        return cls._confirmed_order(cls.client_2, cls.user_salesperson, [(cls.valve, 1)])

    @classmethod
    def _complaint_of(cls, client, user, order=None):
        return cls.env["crm.complaint"].create(
            {
                "category_id": cls.env.ref("crm_pipeline.crm_complaint_category_quality").id,
                "partner_id": client.id,
                "sale_order_id": order.id if order else False,
                "user_id": user.id,
            }
        )

    def _visible(self, user):
        return (
            self.env["crm.complaint"]
            .with_user(user)
            .search([("id", "in", (self.all | self.other_company_complaint).ids)])
        )

    def test_salesperson_sees_own_documents(self):
        self.assertEqual(self._visible(self.user_salesperson), self.mine)
        self.assertEqual(self._visible(self.user_salesperson_2), self.own_order | self.assigned | self.foreign)
        with self.assertRaises(AccessError):
            self.foreign.with_user(self.user_salesperson).read(["name"])

    def test_salesperson_records_and_handles_but_does_not_delete(self):
        complaint = (
            self.env["crm.complaint"]
            .with_user(self.user_salesperson)
            .create({"category_id": self.quality.id, "partner_id": self.client.id, "description": "Late"})
        )
        complaint.action_start()
        complaint.write({"resolution": "Apologised", "state": "resolved"})
        with self.assertRaises(AccessError):
            complaint.unlink()
        complaint.with_user(self.user_crm_admin).unlink()
        self.assertFalse(complaint.exists())

    def test_head_sees_all_of_the_company(self):
        self.assertEqual(self._visible(self.user_head), self.all)
        self.user_head.company_ids |= self.other_company
        head = (
            self.env["crm.complaint"]
            .with_user(self.user_head)
            .with_context(allowed_company_ids=[self.env.company.id, self.other_company.id])
        )
        self.assertEqual(
            head.search([("id", "in", (self.all | self.other_company_complaint).ids)]),
            self.all | self.other_company_complaint,
        )

    def test_marketer_has_no_access(self):
        with self.assertRaises(AccessError):
            self.env["crm.complaint"].with_user(self.user_marketer).search([])

    def test_categories_are_configured_by_the_administrator(self):
        with self.assertRaises(AccessError):
            self.env["crm.complaint.category"].with_user(self.user_head).create({"name": "Packaging"})
        category = self.env["crm.complaint.category"].with_user(self.user_crm_admin).create({"name": "Packaging"})
        self.assertEqual(category.with_user(self.user_salesperson).name, "Packaging")

    def test_report_rows(self):
        """Complaints by category, client and product, as each role sees them."""
        self.own_client.write({"product_id": self.pump.id})
        self.own_order.write({"category_id": self.delay.id})
        self.foreign.write({"product_id": self.pump.id, "state": "rejected", "resolution": "Not confirmed"})

        def rows(user):
            groups = (
                self.env["crm.complaint"]
                .with_user(user)
                ._read_group(
                    [("id", "in", (self.all | self.other_company_complaint).ids)],
                    ["category_id", "commercial_partner_id", "product_id"],
                    ["__count"],
                )
            )
            return sorted((c.name, p.name, prod.name or "", n) for c, p, prod, n in groups)

        self.assertEqual(
            rows(self.user_head),
            [
                ("Delivery delay", "OOO Vasilek", "Ball Valve", 1),
                ("Quality", "OOO Romashka", "Circulation Pump", 1),
                ("Quality", "OOO Vasilek", "", 1),
                ("Quality", "OOO Vasilek", "Circulation Pump", 1),
            ],
        )
        self.assertEqual(
            rows(self.user_salesperson),
            [
                ("Delivery delay", "OOO Vasilek", "Ball Valve", 1),
                ("Quality", "OOO Romashka", "Circulation Pump", 1),
                ("Quality", "OOO Vasilek", "", 1),
            ],
        )
        by_state = dict(
            self.env["crm.complaint"]
            .with_user(self.user_head)
            ._read_group([("id", "in", self.all.ids)], ["state"], ["__count"])
        )
        self.assertEqual(by_state, {"new": 3, "rejected": 1})


@tagged("post_install", "-at_install")
class TestComplaintTimelineAndDemo(ComplaintCommon):
    def test_complaint_in_client_timeline(self):
        complaint = self._complaint(sale_order_id=self.order.id, user_id=self.user_salesperson.id)
        foreign = self._complaint(partner_id=self.client_2.id, user_id=self.user_salesperson_2.id)
        feed = (
            self.env["crm.timeline"]
            .with_user(self.user_salesperson)
            .get_timeline(partner_id=self.buyer.id, kinds=["complaint"])
        )
        self.assertIn("complaint", [kind["kind"] for kind in feed["kinds"]])
        self.assertEqual(
            [(e["res_model"], e["res_id"], e["title"], e["who"]) for e in feed["entries"]],
            [("crm.complaint", complaint.id, complaint.display_name, "Sasha Salesperson")],
        )
        # the other client's complaint is not the salesperson's to see, in any feed
        other = (
            self.env["crm.timeline"]
            .with_user(self.user_salesperson)
            .get_timeline(partner_id=self.client_2.id, kinds=["complaint"])
        )
        self.assertEqual(other["entries"], [])
        head = (
            self.env["crm.timeline"]
            .with_user(self.user_head)
            .get_timeline(partner_id=self.client_2.id, kinds=["complaint"])
        )
        self.assertEqual([e["res_id"] for e in head["entries"]], [foreign.id])

    def test_demo_step(self):
        """The demo step records complaints about confirmed orders over the history, in every state, with
        their dates in the orders' time."""
        now = fields.Datetime.now()
        orders = self.env["sale.order"]
        # five recent orders (complaints still open) and seven older ones (mostly closed)
        for days in (1, 2, 4, 9, 12, 60, 90, 120, 150, 180, 210, 240):
            order = self._confirmed_order(self.client, self.user_salesperson, [(self.pump, 1), (self.valve, 2)])
            order.date_order = now - timedelta(days=days)
            orders |= order
        quotation = self.env["sale.order"].create({"partner_id": self.client.id})
        ctx = {
            "seed": 3,
            "rng": random.Random(3),
            "today": fields.Date.context_today(orders),
            "config": {"complaints": 12, "batch": 5},
            "order_ids": [*orders.ids, quotation.id],
        }
        self.env["crm.demo.generator"]._demo_step_complaints(ctx)
        complaints = self.env["crm.complaint"].search([("sale_order_id", "in", ctx["order_ids"])])
        self.assertEqual(len(complaints), 12)
        self.assertEqual(complaints.sale_order_id, orders)
        self.assertEqual(set(complaints.mapped("state")), {"new", "in_progress", "resolved", "rejected"})
        for complaint in complaints:
            self.assertGreater(complaint.create_date, complaint.sale_order_id.date_order)
            self.assertEqual(bool(complaint.date_closed), complaint.state in ("resolved", "rejected"))
            self.assertEqual(bool(complaint.resolution), complaint.state in ("resolved", "rejected"))
            self.assertIn(complaint.product_id, complaint.sale_order_id.order_line.product_id)
            self.assertRegex(complaint.name, r"^CMP/%d/" % complaint.create_date.year)
        self.assertTrue(all(re.search("[а-я]", c.description) for c in complaints))
