"""The product as a user reaches it: the web client and the installed addons."""

import json
import urllib.request

ADDONS = ("crm_pipeline", "crm_telephony", "crm_bpm", "crm_analytics", "crm_mobile")


def test_login_page_is_served(server):
    with urllib.request.urlopen(f"{server['url']}/web/login", timeout=30) as resp:
        body = resp.read().decode()
    assert resp.status == 200
    assert 'name="login"' in body and 'name="password"' in body


def test_all_addons_installed(admin):
    modules = admin.env["ir.module.module"].search_read([("name", "in", list(ADDONS))], ["name", "state"])
    assert {m["name"]: m["state"] for m in modules} == dict.fromkeys(ADDONS, "installed")


def test_web_client_opens_for_a_salesperson(server, make_user):
    """A salesperson logs in through the browser's own route and gets the web client."""
    odoo = make_user("salesperson")
    login = odoo.env.user.login
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    payload = json.dumps({"jsonrpc": "2.0", "params": {"db": server["db"], "login": login, "password": login}}).encode()
    request = urllib.request.Request(
        f"{server['url']}/web/session/authenticate", data=payload, headers={"Content-Type": "application/json"}
    )
    with opener.open(request, timeout=30) as resp:
        result = json.loads(resp.read())
    assert result.get("result", {}).get("uid"), result
    with opener.open(f"{server['url']}/odoo", timeout=60) as resp:
        page = resp.read().decode()
    assert resp.status == 200
    assert "odoo.__session_info__" in page or "web.assets_web" in page
