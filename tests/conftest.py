"""End-to-end tests against a running Odoo server with the CRM addons.

`./crmctl test` starts the server on the test database and passes its address
in CRM_URL, CRM_DB, CRM_ADMIN_LOGIN and CRM_ADMIN_PASSWORD. To run them by
hand against another server, set those variables yourself.
"""

import os
import urllib.parse
import uuid

import odoorpc
import pytest

REQUIRED = ("CRM_URL", "CRM_DB")


def pytest_configure(config):
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        raise pytest.UsageError(
            f"{', '.join(missing)} not set: these tests run against a server; use `./crmctl test`, "
            "or set CRM_URL and CRM_DB (and CRM_ADMIN_LOGIN/CRM_ADMIN_PASSWORD) yourself."
        )


@pytest.fixture(scope="session")
def server():
    url = urllib.parse.urlparse(os.environ["CRM_URL"])
    return {
        "url": os.environ["CRM_URL"].rstrip("/"),
        "host": url.hostname,
        "port": url.port or 80,
        "db": os.environ["CRM_DB"],
        "admin_login": os.environ.get("CRM_ADMIN_LOGIN", "admin"),
        "admin_password": os.environ.get("CRM_ADMIN_PASSWORD", "admin"),
    }


def connect(server, login, password):
    odoo = odoorpc.ODOO(server["host"], port=server["port"], timeout=60)
    odoo.login(server["db"], login, password)
    return odoo


@pytest.fixture(scope="session")
def admin(server):
    return connect(server, server["admin_login"], server["admin_password"])


@pytest.fixture(scope="session")
def make_user(server, admin):
    """Create a user with one of the product's roles and log in as them."""

    def _make(role):
        login = f"e2e_{role}_{uuid.uuid4().hex[:8]}"
        group = admin.env.ref(f"crm_pipeline.group_crm_{role}")
        admin.env["res.users"].create(
            {
                "name": f"E2E {role}",
                "login": login,
                "password": login,
                "email": f"{login}@example.com",
                "groups_id": [(6, 0, [group.id])],
            }
        )
        return connect(server, login, login)

    return _make
