"""Access rights of each role, checked over RPC as external clients see them."""

import odoorpc
import pytest


def _lead(admin, name, user_id):
    return admin.env["crm.lead"].create({"name": name, "user_id": user_id})


def test_salesperson_works_with_own_leads_only(admin, make_user):
    sales = make_user("salesperson")
    colleague = make_user("salesperson")
    own = sales.env["crm.lead"].create({"name": "Own request from the site"})
    other = _lead(admin, "Colleague's deal", colleague.env.uid)
    visible = sales.env["crm.lead"].search([("id", "in", [own, other])])
    assert visible == [own]
    with pytest.raises(odoorpc.error.RPCError, match="(?i)access|not allowed"):
        sales.env["crm.lead"].read([other], ["name"])


def test_head_of_sales_sees_every_deal(admin, make_user):
    head = make_user("head")
    sales = make_user("salesperson")
    lead = _lead(admin, "Tender for cable supply", sales.env.uid)
    assert head.env["crm.lead"].search([("id", "=", lead)]) == [lead]


def test_marketer_cannot_edit_deals(admin, make_user):
    marketer = make_user("marketer")
    lead = _lead(admin, "Lead from Yandex Direct", False)
    assert marketer.env["crm.lead"].read([lead], ["name"])[0]["name"] == "Lead from Yandex Direct"
    with pytest.raises(odoorpc.error.RPCError, match="(?i)access|not allowed"):
        marketer.env["crm.lead"].write([lead], {"name": "Changed by marketing"})
