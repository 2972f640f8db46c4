from . import crm_bpm_process
from . import crm_bpm_process_version
from . import crm_bpm_version_part
from . import crm_bpm_step
from . import crm_bpm_transition
