{
    "name": "CRM Telephony",
    "summary": "PBX connections and user extensions for the sales department CRM",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "CRM for Odoo contributors",
    "website": "https://github.com/crm-for-odoo/crm",
    "depends": [
        "crm_pipeline",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_pbx_security.xml",
        "views/crm_pbx_views.xml",
        "views/res_users_views.xml",
        "views/crm_telephony_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_telephony/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
