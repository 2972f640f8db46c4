from . import test_roles
from . import test_odoo_crm_compat
from . import test_demo_generator
