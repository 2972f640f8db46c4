from . import test_crm_pbx
from . import test_crm_pbx_extension
from . import test_crm_pbx_security
from . import test_crm_telephony_ui
