from itertools import pairwise

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import CrmPipelineCommon


@tagged("post_install", "-at_install")
class TestDealCard(CrmPipelineCommon):
    """The deal card: the client's people with their roles and our salespeople over time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.role_decision_maker = cls.env.ref("crm_pipeline.crm_contact_role_decision_maker")
        cls.role_technical = cls.env.ref("crm_pipeline.crm_contact_role_technical_expert")
        cls.director = cls.env["res.partner"].create(
            {"name": "Pavel Director", "parent_id": cls.client.id, "phone": "+7 915 222-33-44", "function": "CEO"}
        )
        cls.engineer = cls.env["res.partner"].create(
            {"name": "Olga Engineer", "parent_id": cls.client.id, "email": "olga@romashka.example"}
        )
        cls.stranger_company = cls.env["res.partner"].create({"name": "OOO Vasilek", "is_company": True})
        cls.stranger = cls.env["res.partner"].create({"name": "Fyodor Stranger", "parent_id": cls.stranger_company.id})
        cls.deal = cls.env["crm.lead"].create(
            {
                "name": "Boilers for Romashka",
                "type": "opportunity",
                "partner_id": cls.client.id,
                "user_id": cls.user_salesperson.id,
                "team_id": cls.team.id,
            }
        )

    # contact persons ----------------------------------------------------------

    def test_seeded_roles_configured_by_admin(self):
        """The usual buying committee is seeded; the CRM administrator edits the list, salespeople only use it."""
        roles = self.env["crm.contact.role"].with_user(self.user_salesperson).search([])
        self.assertEqual(
            roles.mapped("name"), ["Decision Maker", "Economic Buyer", "User", "Technical Expert", "Other"]
        )
        with self.assertRaises(AccessError):
            self.env["crm.contact.role"].with_user(self.user_salesperson).create({"name": "Gatekeeper"})
        with self.assertRaises(AccessError):
            self.role_decision_maker.with_user(self.user_head).write({"name": "Boss"})
        gatekeeper = self.env["crm.contact.role"].with_user(self.user_crm_admin).create({"name": "Gatekeeper"})
        self.role_technical.with_user(self.user_crm_admin).active = False
        names = self.env["crm.contact.role"].with_user(self.user_salesperson).search([]).mapped("name")
        self.assertIn(gatekeeper.name, names)
        self.assertNotIn("Technical Expert", names)

    def test_contacts_on_the_deal_form(self):
        """The salesperson lists the client's people with their roles on the deal's Contacts page."""
        with Form(self.deal.with_user(self.user_salesperson)) as deal_form:
            with deal_form.lead_contact_ids.new() as line:
                line.partner_id = self.director
                line.role_id = self.role_decision_maker
                line.note = "Signs contracts over 1M"
            with deal_form.lead_contact_ids.new() as line:
                line.partner_id = self.engineer
                line.role_id = self.role_technical
        contacts = self.deal.lead_contact_ids
        self.assertEqual(contacts.partner_id, self.director | self.engineer)
        director = contacts.filtered(lambda c: c.partner_id == self.director)
        self.assertEqual(director.role_id, self.role_decision_maker)
        self.assertEqual((director.phone, director.function), ("+7 915 222-33-44", "CEO"))
        self.assertEqual(contacts.filtered(lambda c: c.partner_id == self.engineer).email, "olga@romashka.example")

    def test_contacts_are_persons_of_the_client(self):
        """Decision: a deal's contacts are people (not companies), and people of the deal's client once it has
        one; a deal without a client yet may list anybody; each person once per deal."""
        Contact = self.env["crm.lead.contact"].with_user(self.user_salesperson)
        with self.assertRaises(ValidationError):
            Contact.create({"lead_id": self.deal.id, "partner_id": self.stranger.id})
        with self.assertRaises(ValidationError):
            Contact.create({"lead_id": self.deal.id, "partner_id": self.client.id})
        Contact.create(
            {"lead_id": self.deal.id, "partner_id": self.director.id, "role_id": self.role_decision_maker.id}
        )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            Contact.create({"lead_id": self.deal.id, "partner_id": self.director.id})

        new_lead = self.env["crm.lead"].create({"name": "Somebody called", "user_id": self.user_salesperson.id})
        contact = Contact.create({"lead_id": new_lead.id, "partner_id": self.stranger.id})
        self.assertEqual(new_lead.lead_contact_ids, contact)
        with self.assertRaises(ValidationError):
            contact.partner_id = self.stranger_company

    def test_contacts_follow_deal_access(self):
        """Whoever may read the deal may read its contacts; a colleague's salesperson may not; the marketer
        reads without editing."""
        contact = self.env["crm.lead.contact"].create({"lead_id": self.deal.id, "partner_id": self.director.id})
        Contact = self.env["crm.lead.contact"]
        self.assertEqual(Contact.with_user(self.user_salesperson).search([("id", "=", contact.id)]), contact)
        self.assertFalse(Contact.with_user(self.user_salesperson_2).search([("id", "=", contact.id)]))
        with self.assertRaises(AccessError):
            contact.with_user(self.user_salesperson_2).note = "not mine"
        self.assertEqual(Contact.with_user(self.user_head).search([("id", "=", contact.id)]), contact)
        self.assertEqual(contact.with_user(self.user_marketer).partner_id, self.director)
        with self.assertRaises(AccessError):
            contact.with_user(self.user_marketer).note = "marketing"

    # owner history --------------------------------------------------------------

    def test_owner_history_across_reassignments(self):
        """The head of sales reassigns a deal back and forth: one period per owner, the current one open."""
        deal = (
            self.env["crm.lead"]
            .with_user(self.user_head)
            .create({"name": "Heating for Romashka", "type": "opportunity", "user_id": self.user_salesperson.id})
        )
        self.assertEqual(deal.owner_log_ids.user_id, self.user_salesperson)
        self.assertFalse(deal.owner_log_ids.date_to)
        self.assertTrue(deal.owner_log_ids.is_current)

        deal.user_id = self.user_salesperson_2
        deal.write({"user_id": self.user_salesperson_2.id, "priority": "2"})  # same owner: no new period
        deal.user_id = self.user_salesperson
        logs = deal.owner_log_ids.sorted("id")
        self.assertEqual(
            [log.user_id for log in logs], [self.user_salesperson, self.user_salesperson_2, self.user_salesperson]
        )
        self.assertEqual([bool(log.date_to) for log in logs], [True, True, False])
        for previous, following in pairwise(logs):
            self.assertLessEqual(previous.date_from, previous.date_to)
            self.assertLessEqual(previous.date_to, following.date_from)
        self.assertEqual(deal.previous_user_ids, self.user_salesperson_2)

        # back to the pool: the period ends, nobody owns it
        deal.user_id = False
        self.assertTrue(all(deal.owner_log_ids.mapped("date_to")))
        self.assertEqual(deal.previous_user_ids, self.user_salesperson | self.user_salesperson_2)

        # the salesperson reads the history of their deal but cannot rewrite it
        deal.user_id = self.user_salesperson
        mine = deal.with_user(self.user_salesperson)
        self.assertEqual(len(mine.owner_log_ids), 4)
        with self.assertRaises(AccessError):
            mine.owner_log_ids[0].write({"user_id": self.user_salesperson_2.id})
        with self.assertRaises(AccessError):
            self.env["crm.lead.owner.log"].with_user(self.user_head).create(
                {"lead_id": deal.id, "user_id": self.user_head.id, "date_from": deal.create_date}
            )

    def test_owner_history_when_taken_from_pool(self):
        """A salesperson takes a lead from the pool: their period starts, though the pool assigns atomically
        in SQL rather than through write()."""
        lead = self.env["crm.lead"].create(
            {"name": "Request from the website", "team_id": self.team.id, "user_id": False}
        )
        self.assertFalse(lead.owner_log_ids)
        lead.with_user(self.user_salesperson).action_take()
        self.assertEqual(lead.user_id, self.user_salesperson)
        self.assertEqual(lead.owner_log_ids.user_id, self.user_salesperson)
        self.assertTrue(lead.owner_log_ids.is_current)
        lead.with_user(self.user_head).user_id = self.user_salesperson_2
        self.assertEqual(
            [log.user_id for log in lead.owner_log_ids.sorted("id")], [self.user_salesperson, self.user_salesperson_2]
        )
        self.assertEqual(lead.owner_log_ids.filtered("is_current").user_id, self.user_salesperson_2)

    def test_owner_history_batch_reassignment(self):
        """Reassigning many deals at once (e.g. a salesperson leaves) keeps one period per deal."""
        deals = self.env["crm.lead"].create(
            [
                {"name": "Deal %s" % index, "type": "opportunity", "user_id": self.user_salesperson.id}
                for index in range(5)
            ]
            + [{"name": "Pool lead", "user_id": False}]
        )
        self.assertEqual(len(deals.owner_log_ids), 5)
        deals.with_user(self.user_head).write({"user_id": self.user_salesperson_2.id})
        for deal in deals:
            periods = deal.owner_log_ids.sorted("id")
            expected = [self.user_salesperson_2.id]
            if deal.name != "Pool lead":
                expected.insert(0, self.user_salesperson.id)
            self.assertEqual([period.user_id.id for period in periods], expected)
            self.assertFalse(periods[-1].date_to)
            self.assertEqual(deal.owner_log_ids.filtered("is_current").team_id, deal.team_id)
        # the log costs a fixed number of queries, whatever the number of deals
        assigned = deals.filtered("user_id")
        assigned.mapped("team_id")
        with self.assertQueryCount(2):
            assigned._crm_pipeline_owner_log_close()
        with self.assertQueryCount(1):
            assigned._crm_pipeline_owner_log_open()
        self.assertEqual(len(assigned.owner_log_ids.filtered("is_current")), len(assigned))

    def test_proposals_page_lists_quotations(self):
        """The Proposals page shows the deal's quotations with their state and amount (sale_crm's order_ids)."""
        product = self.env["product.product"].create({"name": "Boiler", "list_price": 500.0, "taxes_id": []})
        quotation = self.env["sale.order"].create(
            {
                "partner_id": self.client.id,
                "opportunity_id": self.deal.id,
                "user_id": self.user_salesperson.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 3, "tax_id": []})],
            }
        )
        deal = self.deal.with_user(self.user_salesperson)
        arch = deal.get_views([(False, "form")])["views"]["form"]["arch"]
        for page in (
            "crm_pipeline_contacts",
            "crm_pipeline_proposals",
            "crm_pipeline_documents",
            "crm_pipeline_owners",
        ):
            self.assertIn('name="%s"' % page, arch)
        self.assertIn('name="crm_pipeline_document_chain"', arch)
        self.assertEqual(deal.order_ids, quotation)
        self.assertEqual(deal.order_ids.read(["state", "amount_total"])[0]["amount_total"], 1500.0)
        self.assertEqual(deal.quotation_count, 1)

        # the marketer reads the card without the sales documents, which are not theirs to see
        marketer_deal = self.deal.with_user(self.user_marketer)
        arch = marketer_deal.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="crm_pipeline_contacts"', arch)
        self.assertIn('name="crm_pipeline_owners"', arch)
        self.assertNotIn('name="crm_pipeline_proposals"', arch)
        self.assertNotIn('name="crm_pipeline_documents"', arch)
        values = marketer_deal.read(["lead_contact_ids", "owner_log_ids", "previous_user_ids"])[0]
        self.assertEqual(values["owner_log_ids"], self.deal.owner_log_ids.ids)
