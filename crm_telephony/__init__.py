from . import models
from . import report
from . import controllers


def uninstall_hook(env):
    """Drop what crm.call's init() created outside the ORM's tables."""
    env.cr.execute("DROP FUNCTION IF EXISTS crm_telephony_identify(varchar, integer[], integer, integer)")
