{
    "name": "CRM Analytics",
    "summary": "Sales analytics for the head of sales and the marketer: lead channels, funnels, KPIs",
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
        "security/crm_lead_channel_report_security.xml",
        "report/crm_lead_channel_report_views.xml",
        "views/crm_analytics_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_analytics/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": True,
}
