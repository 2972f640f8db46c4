from . import test_crm_lead_channel_report
from . import test_crm_analytics_ui
