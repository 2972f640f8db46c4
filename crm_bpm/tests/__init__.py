from . import test_crm_bpm_process
from . import test_crm_bpm_security
from . import test_crm_bpm_ui
