from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CrmPipelineCommon


class DocumentChainCommon(CrmPipelineCommon):
    """A deal of the salesperson with a real document chain: a quotation
    confirmed, its delivery validated, its invoice posted and paid in two
    payments (1500 + 500 of 2000)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.currency = cls.env.company.currency_id
        cls.product = cls.env["product.product"].create(
            {
                "name": "Circulation Pump",
                "type": "consu",
                "is_storable": True,
                "list_price": 1000.0,
                "invoice_policy": "delivery",
                "taxes_id": [Command.clear()],
            }
        )
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.env["stock.quant"]._update_available_quantity(cls.product, warehouse.lot_stock_id, 100.0)
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Irina Buyer", "parent_id": cls.client.id, "email": "irina@romashka.example"}
        )
        cls.deal = cls.env["crm.lead"].create(
            {
                "name": "Pumps for Romashka",
                "type": "opportunity",
                "partner_id": cls.client.id,
                "user_id": cls.user_salesperson.id,
                "team_id": cls.team.id,
                "expected_revenue": 2000.0,
            }
        )
        cls.order, cls.picking, cls.invoice, cls.payments = cls._build_chain(cls.deal, cls.user_salesperson)

    @classmethod
    def _build_chain(cls, deal, user, quantity=2.0, payments=(1500.0, 500.0)):
        """Quotation -> order -> validated delivery -> posted invoice -> payments, as in the ERP."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": deal.partner_id.id,
                "opportunity_id": deal.id,
                "user_id": user.id,
                "team_id": cls.team.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": quantity,
                            "price_unit": 1000.0,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = quantity
        picking.move_ids.picked = True
        picking.button_validate()
        invoice = order._create_invoices()
        invoice.action_post()
        paid = cls.env["account.payment"]
        for amount in payments:
            paid |= (
                cls.env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"amount": amount, "payment_date": invoice.invoice_date})
                ._create_payments()
            )
        return order, picking, invoice, paid

    @staticmethod
    def _flatten(node):
        """All nodes of a tree, depth first."""
        nodes = [node]
        for child in node["children"]:
            nodes.extend(DocumentChainCommon._flatten(child))
        return nodes

    @staticmethod
    def _levels(chain):
        return {level["key"]: level for level in chain["levels"]}


@tagged("post_install", "-at_install")
class TestDocumentChain(DocumentChainCommon):
    """The deal card's chain of documents: deal -> orders -> deliveries and invoices -> payments."""

    def test_chain_of_a_paid_deal(self):
        """Every link of a confirmed, delivered, invoiced and paid deal, with its amounts."""
        self.assertEqual(self.order.state, "sale")
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.invoice.payment_state, self.invoice._get_invoice_in_payment_state())
        chain = self.deal.with_user(self.user_head).get_crm_pipeline_document_chain()
        self.assertEqual(len(chain), 1)
        root = chain[0]
        self.assertEqual((root["model"], root["id"], root["name"]), ("crm.lead", self.deal.id, "Pumps for Romashka"))

        [order_node] = root["children"]
        self.assertEqual((order_node["model"], order_node["id"]), ("sale.order", self.order.id))
        self.assertEqual(order_node["name"], self.order.name)
        self.assertEqual(order_node["state"], "sale")
        self.assertEqual(order_node["amount"], 2000.0)
        self.assertEqual(order_node["currency_id"], self.currency.id)

        by_model = {}
        for child in order_node["children"]:
            by_model.setdefault(child["model"], []).append(child)
        [picking_node] = by_model["stock.picking"]
        self.assertEqual((picking_node["id"], picking_node["name"]), (self.picking.id, self.picking.name))
        self.assertEqual(picking_node["state"], "done")
        self.assertEqual(picking_node["children"], [])
        [invoice_node] = by_model["account.move"]
        self.assertEqual((invoice_node["id"], invoice_node["name"]), (self.invoice.id, self.invoice.name))
        self.assertEqual(invoice_node["amount"], 2000.0)
        self.assertEqual(invoice_node["state"], self.invoice.payment_state)

        payment_nodes = invoice_node["children"]
        self.assertEqual([node["model"] for node in payment_nodes], ["account.payment"] * 2)
        self.assertEqual(sorted(node["id"] for node in payment_nodes), sorted(self.payments.ids))
        self.assertEqual(sorted(node["amount"] for node in payment_nodes), [500.0, 1500.0])
        self.assertEqual({node["name"] for node in payment_nodes}, set(self.payments.mapped("name")))
        # the head of sales opens the orders, deliveries and invoices; payments are accounting's records
        for node in self._flatten(root):
            self.assertEqual(node["accessible"], node["model"] != "account.payment", node["name"])

        levels = self._levels(root)
        expected = {"order": 1, "delivery": 1, "invoice": 1, "payment": 2}
        self.assertEqual({key: level["count"] for key, level in levels.items()}, expected)
        self.assertEqual({key: level["restricted"] for key, level in levels.items()}, dict.fromkeys(expected, 0))
        self.assertEqual(levels["order"]["amounts"], [{"currency_id": self.currency.id, "amount": 2000.0}])
        self.assertEqual(levels["delivery"]["amounts"], [])
        self.assertEqual(levels["invoice"]["amounts"], [{"currency_id": self.currency.id, "amount": 2000.0}])
        self.assertEqual(levels["payment"]["amounts"], [{"currency_id": self.currency.id, "amount": 2000.0}])

    def test_credit_note_and_cancelled_quotation(self):
        """A credit note hangs under the order with a negative amount; a cancelled quotation is listed
        but adds nothing to the totals."""
        # the credit note is assigned to the salesperson, as the invoice is
        refund = self.invoice._reverse_moves([{"ref": "Damaged pump", "invoice_user_id": self.user_salesperson.id}])
        refund.invoice_line_ids.quantity = 1.0
        refund.action_post()
        cancelled = self.env["sale.order"].create(
            {
                "partner_id": self.client.id,
                "opportunity_id": self.deal.id,
                "user_id": self.user_salesperson.id,
                "order_line": [Command.create({"product_id": self.product.id, "price_unit": 700.0, "tax_id": []})],
            }
        )
        cancelled._action_cancel()
        root = self.deal.with_user(self.user_salesperson)._crm_pipeline_document_chain()[0]
        self.assertEqual([node["id"] for node in root["children"]], [self.order.id, cancelled.id])
        self.assertEqual(root["children"][1]["state"], "cancel")
        invoice_nodes = [node for node in root["children"][0]["children"] if node["model"] == "account.move"]
        self.assertEqual(
            {node["id"]: node["amount"] for node in invoice_nodes}, {self.invoice.id: 2000.0, refund.id: -1000.0}
        )
        levels = self._levels(root)
        self.assertEqual(levels["order"]["count"], 2)
        self.assertEqual(levels["order"]["amounts"][0]["amount"], 2000.0)
        self.assertEqual(levels["invoice"]["count"], 2)
        self.assertEqual(levels["invoice"]["amounts"][0]["amount"], 1000.0)

    def test_salesperson_without_access_to_invoice(self):
        """An invoice the salesperson may not read (an accountant assigned it to a colleague) shows as
        '1 more not accessible' under the order, instead of an access error; so does a colleague's order."""
        self.invoice.invoice_user_id = self.user_salesperson_2
        self.env["sale.order"].create(
            {
                "partner_id": self.client.id,
                "opportunity_id": self.deal.id,
                "user_id": self.user_salesperson_2.id,
                "order_line": [Command.create({"product_id": self.product.id, "price_unit": 300.0, "tax_id": []})],
            }
        )
        deal = self.deal.with_user(self.user_salesperson)
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.user_salesperson).check_access("read")
        root = deal.get_crm_pipeline_document_chain()[0]

        order_node, hidden_orders = root["children"]
        self.assertEqual(order_node["id"], self.order.id)
        self.assertEqual(
            (hidden_orders["model"], hidden_orders["id"], hidden_orders["restricted"]), ("sale.order", False, 1)
        )
        self.assertEqual(hidden_orders["name"], "1 more not accessible")
        hidden_invoices = [node for node in order_node["children"] if node["model"] == "account.move"]
        self.assertEqual(len(hidden_invoices), 1)
        self.assertEqual(hidden_invoices[0]["restricted"], 1)
        self.assertFalse(hidden_invoices[0]["id"])
        self.assertEqual(hidden_invoices[0]["children"], [], "payments of a hidden invoice are not shown")
        self.assertNotIn(self.invoice.name, {node["name"] for node in self._flatten(root)})
        levels = self._levels(root)
        self.assertEqual((levels["order"]["count"], levels["order"]["restricted"]), (1, 1))
        self.assertEqual((levels["invoice"]["count"], levels["invoice"]["restricted"]), (0, 1))
        self.assertEqual(levels["invoice"]["amounts"], [])
        self.assertEqual(levels["payment"]["count"], 0)

        # the head of sales sees the whole chain
        head_levels = self._levels(self.deal.with_user(self.user_head)._crm_pipeline_document_chain()[0])
        self.assertEqual((head_levels["order"]["count"], head_levels["order"]["restricted"]), (2, 0))
        self.assertEqual((head_levels["invoice"]["count"], head_levels["invoice"]["restricted"]), (1, 0))

    def test_payments_shown_without_payment_access(self):
        """A salesperson may not open account.payment records, but sees the payments of the invoices they
        may read (as Odoo's invoice payment widget shows them), without a link."""
        self.assertFalse(self.env["account.payment"].with_user(self.user_salesperson).has_access("read"))
        root = self.deal.with_user(self.user_salesperson)._crm_pipeline_document_chain()[0]
        payment_nodes = [node for node in self._flatten(root) if node["model"] == "account.payment"]
        self.assertEqual(sorted(node["amount"] for node in payment_nodes), [500.0, 1500.0])
        self.assertFalse(any(node["accessible"] for node in payment_nodes))
        order_node = root["children"][0]
        self.assertTrue(order_node["accessible"])

    def test_colleague_deal_is_refused(self):
        """The chain of a deal the salesperson may not read is refused, not leaked."""
        deal = self.deal.with_user(self.user_salesperson_2)
        with self.assertRaises(AccessError):
            deal.get_crm_pipeline_document_chain()

    def test_query_count_is_bounded(self):
        """The chain costs a fixed number of queries, however many documents the deal has."""
        deal = self.deal.with_user(self.user_salesperson)
        deal._crm_pipeline_document_chain()  # warm the caches of access rules and translations
        self.env.invalidate_all()
        # about 14 reads of the documents, plus reading the user again (groups, time zone) after invalidate_all
        with self.assertQueryCount(20):
            deal._crm_pipeline_document_chain()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        deal._crm_pipeline_document_chain()
        one_order = self.env.cr.sql_log_count - start

        for _index in range(3):
            self._build_chain(self.deal, self.user_salesperson, quantity=1.0, payments=(400.0, 600.0))
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        root = deal._crm_pipeline_document_chain()[0]
        four_orders = self.env.cr.sql_log_count - start
        levels = self._levels(root)
        self.assertEqual(
            {key: level["count"] for key, level in levels.items()},
            {"order": 4, "delivery": 4, "invoice": 4, "payment": 8},
        )
        self.assertEqual(levels["payment"]["amounts"][0]["amount"], 2000.0 + 3 * 1000.0)
        self.assertEqual(four_orders, one_order)
