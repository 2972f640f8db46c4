{
    "name": "CRM Mobile",
    "summary": "What a salesperson needs on the phone: My Day with today's and overdue activities",
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
        "views/mail_activity_views.xml",
        "views/crm_mobile_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "crm_mobile/static/src/**/*",
        ],
        "web.assets_tests": [
            "crm_mobile/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": False,
}
