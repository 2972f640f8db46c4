from . import test_my_day
from . import test_crm_mobile_ui
