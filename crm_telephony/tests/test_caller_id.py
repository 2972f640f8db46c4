from odoo.tests import tagged

from .test_call_intake import CallIntakeCase


@tagged("post_install", "-at_install")
class TestCallerId(CallIntakeCase):
    """Who is calling: exact matches on stored E.164 keys of clients, contacts and open leads."""

    def _identify(self, number):
        return self.env["crm.call"]._crm_identify_caller(number, pbx=self.pbx)

    def test_three_spellings_same_client(self):
        for number in ("+7 915 111-22-33", "8 (915) 111-22-33", "79151112233"):
            with self.subTest(number=number):
                found = self._identify(number)
                self.assertEqual(found["number_e164"], "+79151112233")
                self.assertEqual(found["partner"], self.client)
                self.assertEqual(found["user"], self.user_salesperson)
                self.assertEqual(found["team"], self.team)

    def test_contact_mobile_with_extension(self):
        """A contact's mobile written with an extension, dialled without it, finds the contact;
        the client is its company and the manager the company's."""
        contact = self.env["res.partner"].create(
            {"name": "Ivan Petrov", "parent_id": self.client.id, "mobile": "+7 (916) 222-33-44 доб. 123"}
        )
        office = self.env["res.partner"].create(
            {"name": "Reception", "parent_id": self.client.id, "phone": "8-495-123-45-67 ext. 12"}
        )
        self.assertEqual(contact.mobile_e164, "+79162223344")
        self.assertEqual(office.phone_e164, "+74951234567")
        for number, partner in (("89162223344", contact), ("+74951234567", office)):
            with self.subTest(number=number):
                found = self._identify(number)
                self.assertEqual(found["partner"], partner)
                self.assertEqual(found["partner"].commercial_partner_id, self.client)
                self.assertEqual(found["user"], self.user_salesperson)

    def test_foreign_numbers(self):
        """Foreign numbers, with "+", "00", "810" or bare digits, and numbers libphonenumber does not
        know as valid but written internationally, get the same key on both sides."""
        minsk = self.env["res.partner"].create({"name": "OOO Minsk", "is_company": True, "phone": "+375 29 123-45-67"})
        almaty = self.env["res.partner"].create({"name": "TOO Almaty", "is_company": True, "phone": "+7 727 123-45-67"})
        self.assertEqual(almaty.phone_e164, "+77271234567")
        for number in ("+375 29 123-45-67", "00375291234567", "810 375 29 123 45 67", "375291234567"):
            with self.subTest(number=number):
                self.assertEqual(self._identify(number)["partner"], minsk)
        self.assertEqual(self._identify("+7 727 123 45 67")["partner"], almaty)

    def test_not_a_number(self):
        for number in ("", "anonymous", "101", False, None):
            with self.subTest(number=number):
                found = self._identify(number)
                self.assertFalse(found["number_e164"])
                self.assertFalse(found["partner"])
                self.assertFalse(found["lead"])

    def test_open_deals_of_client(self):
        """The client's open deals, the responsible manager's first; won and lost ones are left out."""
        contact = self.env["res.partner"].create({"name": "Anna", "parent_id": self.client.id})
        Lead = self.env["crm.lead"]
        other = Lead.create(
            {
                "name": "Other's deal",
                "type": "opportunity",
                "partner_id": contact.id,
                "user_id": self.user_salesperson_2.id,
            }
        )
        mine = Lead.create(
            {
                "name": "My deal",
                "type": "opportunity",
                "partner_id": self.client.id,
                "user_id": self.user_salesperson.id,
            }
        )
        won = Lead.create(
            {"name": "Won", "type": "opportunity", "partner_id": self.client.id, "user_id": self.user_salesperson.id}
        )
        won.action_set_won()
        lost = Lead.create({"name": "Lost", "type": "opportunity", "partner_id": self.client.id})
        lost.action_set_lost()
        found = self._identify("89151112233")
        self.assertEqual(found["leads"], mine | other)
        self.assertEqual(found["lead"], mine)

    def test_open_lead_by_phone(self):
        """No client has the number: an open lead with it as phone or mobile identifies the caller."""
        lead = self.env["crm.lead"].create(
            {
                "name": "Web request",
                "phone": "+7 903 000-00-01",
                "mobile": "+7 (926) 555-66-77",
                "user_id": self.user_salesperson_2.id,
                "team_id": self.team.id,
            }
        )
        self.assertEqual((lead.phone_e164, lead.mobile_e164), ("+79030000001", "+79265556677"))
        for number in ("89265556677", "+79030000001"):
            with self.subTest(number=number):
                found = self._identify(number)
                self.assertFalse(found["partner"])
                self.assertEqual(found["lead"], lead)
                self.assertEqual(found["user"], self.user_salesperson_2)
                self.assertEqual(found["team"], self.team)
        lead.action_set_lost()
        self.assertFalse(self._identify("89265556677")["lead"], "a closed lead does not identify anybody")

    def test_lead_phone_keys_follow_edits(self):
        lead = self.env["crm.lead"].create({"name": "Request", "phone": "8 (915) 000-00-02"})
        self.assertEqual(lead.phone_e164, "+79150000002")
        lead.write({"phone": False, "mobile": "8 915 000 00 03"})
        self.assertFalse(lead.phone_e164)
        self.assertEqual(lead.mobile_e164, "+79150000003")

    def test_scope(self):
        """Partners of other companies, archived ones and our own users are nobody's callers."""
        self.env["res.partner"].create(
            {"name": "Other company's client", "phone": "+7 903 111-11-11", "company_id": self.company_2.id}
        )
        self.env["res.partner"].create({"name": "Archived", "phone": "+7 903 222-22-22", "active": False})
        self.user_salesperson_2.partner_id.phone = "+7 903 333-33-33"
        for number in ("+79031111111", "+79032222222", "+79033333333"):
            with self.subTest(number=number):
                self.assertFalse(self._identify(number)["partner"])

    def test_several_clients_same_number(self):
        """Two clients share a number: the one with a responsible manager is chosen."""
        self.env["res.partner"].create({"name": "OOO Vasilek", "is_company": True, "phone": "8 915 111 22 33"})
        self.assertEqual(self._identify("+79151112233")["partner"], self.client)

    def test_company_country_follows_edits(self):
        """Numbers without a country prefix are read in the company's country, cached and kept
        up to date when the company moves."""
        self.assertEqual(self._identify("8 (915) 111-22-33")["partner"], self.client)
        kiev = self.env["res.partner"].create({"name": "TOV Kyiv", "is_company": True, "phone": "+380 44 123 4567"})
        self.assertFalse(self._identify("044 123 4567")["partner"])
        self.pbx.company_id.country_id = self.env.ref("base.ua")
        self.assertEqual(self._identify("044 123 4567")["partner"], kiev)
        self.assertEqual(self._identify("+7 915 111-22-33")["partner"], self.client)
        self.pbx.company_id.partner_id.country_id = self.env.ref("base.ru")
        self.assertFalse(self._identify("044 123 4567")["partner"])

    def test_hot_path_query_count(self):
        """Identification costs the same number of queries whatever the data volume: from a cold
        ORM cache, the PBX's row and one statement (crm_telephony_identify: index lookups of the
        client, its deals and the manager's team). The company's country is cached: one query
        more the first time."""
        contact = self.env["res.partner"].create(
            {"name": "Ivan", "parent_id": self.client.id, "mobile": "+7 916 222-33-44"}
        )
        self.env["crm.lead"].create({"name": "Deal", "partner_id": contact.id, "user_id": self.user_salesperson.id})
        Call = self.env["crm.call"]

        def identify(number, expected, cold_registry=False):
            self.env.flush_all()
            self.env.invalidate_all()
            if cold_registry:
                self.env.registry.clear_cache()
            with self.assertQueryCount(expected):
                return Call._crm_identify_caller(number, pbx=self.pbx)

        for volume in (10, 200):
            self.env["res.partner"].create(
                [
                    {
                        "name": f"Client {volume}-{i}",
                        "is_company": True,
                        "phone": f"+7 495 {volume:03d}-{i // 100:02d}-{i % 100:02d}",
                        "user_id": self.user_salesperson.id,
                    }
                    for i in range(volume)
                ]
            )
            self.env["crm.lead"].create(
                [
                    {"name": f"Lead {volume}-{i}", "phone": f"+7 903 {volume:03d}-{i // 100:02d}-{i % 100:02d}"}
                    for i in range(volume)
                ]
            )
            found = identify("8 (916) 222-33-44", 3, cold_registry=True)
            self.assertEqual(found["partner"], contact)
            self.assertTrue(found["lead"])
            found = identify("8 (916) 222-33-44", 2)
            self.assertEqual(found["partner"], contact)
            self.assertEqual(found["client"], self.client)
            self.assertEqual(found["user"], self.user_salesperson)
            self.assertFalse(identify("+7 999 999-99-99", 2)["partner"])
        # the keys have btree indexes: an exact match is an index lookup, not a scan of the table
        for table, column in (
            ("res_partner", "phone_e164"),
            ("res_partner", "mobile_e164"),
            ("crm_lead", "phone_e164"),
            ("crm_lead", "mobile_e164"),
        ):
            self.env.cr.execute(
                "SELECT 1 FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                [table, f"%btree ({column})%"],
            )
            self.assertTrue(self.env.cr.fetchone(), f"{table}.{column} has a btree index")
