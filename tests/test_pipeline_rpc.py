"""Deals over RPC, as an integration or an import script would move them:
the server enforces the stage gates whatever the client is."""

import odoorpc
import pytest


@pytest.fixture
def gated_stage(admin):
    """The Long sale's Proposal stage, gated on Expected Closing for this test."""
    stage = admin.env.ref("crm_pipeline.crm_stage_long_proposal")
    field = admin.env["ir.model.fields"].search([("model", "=", "crm.lead"), ("name", "=", "date_deadline")])
    admin.env["crm.stage"].write([stage.id], {"gate_required_field_ids": [(6, 0, field)]})
    yield stage
    admin.env["crm.stage"].write([stage.id], {"gate_required_field_ids": [(5, 0, 0)]})


def test_gate_refuses_a_move_and_names_the_field(admin, make_user, gated_stage):
    sales = make_user("salesperson")
    deal_type = admin.env.ref("crm_pipeline.crm_deal_type_long")
    deal = sales.env["crm.lead"].create(
        {"name": "Tender: cable for the new warehouse", "type": "opportunity", "deal_type_id": deal_type.id}
    )
    first_stage = sales.env["crm.lead"].read([deal], ["stage_id"])[0]["stage_id"][0]
    assert first_stage == admin.env.ref("crm_pipeline.crm_stage_long_incoming").id

    with pytest.raises(odoorpc.error.RPCError, match="Expected Closing"):
        sales.env["crm.lead"].write([deal], {"stage_id": gated_stage.id})
    assert sales.env["crm.lead"].read([deal], ["stage_id"])[0]["stage_id"][0] == first_stage

    # filled in the same write, the gate lets the deal through
    sales.env["crm.lead"].write([deal], {"stage_id": gated_stage.id, "date_deadline": "2027-03-31"})
    assert sales.env["crm.lead"].read([deal], ["stage_id"])[0]["stage_id"][0] == gated_stage.id


def test_take_from_the_pool_over_rpc(admin, make_user):
    first, second = make_user("salesperson"), make_user("salesperson")
    team = admin.env["crm.team"].create(
        {"name": "E2E pool team", "member_ids": [(6, 0, [first.env.uid, second.env.uid])]}
    )
    lead = admin.env["crm.lead"].create({"name": "Request from the site form", "team_id": team, "user_id": False})
    first.env["crm.lead"].action_take([lead])
    with pytest.raises(odoorpc.error.RPCError, match="already been taken"):
        second.env["crm.lead"].action_take([lead])
    assert admin.env["crm.lead"].read([lead], ["user_id"])[0]["user_id"][0] == first.env.uid
