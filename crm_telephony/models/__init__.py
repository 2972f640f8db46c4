from . import crm_pbx
from . import crm_pbx_extension
from . import res_users
