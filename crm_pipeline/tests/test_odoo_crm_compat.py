"""Odoo's own ``crm`` and ``sale_crm`` test suites, run again after every
module is installed, so that they exercise crm.lead and sale.order with
crm_pipeline's (and the other CRM addons') overrides loaded.

Odoo runs these suites at install time of ``crm``/``sale_crm``, before our
addons are in the registry; re-running them post-install is what proves that
we extend those addons without changing their behaviour. Each class found in
their test modules gets a subclass here that inherits its test methods
(``allow_inherited_tests_method``) and is moved to post-install.
"""

import importlib
import inspect
import pkgutil

from odoo.tests import BaseCase, tagged

_SUITES = ("crm", "sale_crm")


def _compat_classes():
    for addon in _SUITES:
        package = importlib.import_module(f"odoo.addons.{addon}.tests")
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("test_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ != module.__name__ or not issubclass(cls, BaseCase):
                    continue
                if not any(attr.startswith("test") for attr in dir(cls)):
                    continue
                yield f"{addon}_{info.name}_{name}", cls


# Class names repeat across Odoo's test modules (two TestCRMLead, two TestUi):
# the addon and module go into the new name so none hides another.
for _qualname, _cls in _compat_classes():
    _compat = type(
        _qualname,
        (_cls,),
        {"allow_inherited_tests_method": True, "__module__": __name__},
    )
    globals()[_compat.__name__] = tagged("post_install", "-at_install", "crm_compat")(_compat)
