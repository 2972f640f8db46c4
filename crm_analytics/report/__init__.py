from . import crm_lead_channel_report
