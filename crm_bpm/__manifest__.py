{
    "name": "CRM Business Processes",
    "summary": "Versioned process definitions (steps, transitions, assignees) that accompany deals, clients and orders",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "CRM for Odoo contributors",
    "website": "https://github.com/crm-for-odoo/crm",
    "depends": ["crm_pipeline"],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_bpm_process_security.xml",
        "views/crm_bpm_step_views.xml",
        "views/crm_bpm_transition_views.xml",
        "views/crm_bpm_process_version_views.xml",
        "views/crm_bpm_process_views.xml",
        "views/crm_bpm_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_bpm/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": False,
}
