def post_init_hook(env):
    """Stage history for the leads and deals that exist when crm_pipeline is installed."""
    env["crm.lead.stage.log"]._crm_pipeline_backfill()
