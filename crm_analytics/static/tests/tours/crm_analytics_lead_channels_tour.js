import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_analytics_lead_channels", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Sales Analytics app",
            trigger: ".o_app[data-menu-xmlid='crm_analytics.crm_analytics_menu_root']",
            run: "click",
        },
        {
            content: "Open the Lead Channels report",
            trigger: ".o_menu_sections [data-menu-xmlid='crm_analytics.crm_lead_channel_report_menu']",
            run: "click",
        },
        {
            content: "The report opens on its pivot",
            trigger: ".o_breadcrumb .active:contains('Lead Channels')",
        },
        {
            trigger: ".o_pivot_view .o_pivot table",
        },
        {
            content: "Open the search options",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Group the leads by source",
            trigger: ".o_group_by_menu .o-dropdown-item:contains('Source')",
            run: "click",
        },
        {
            content: "The source of the test's leads is a row of the pivot",
            trigger: ".o_pivot table th.o_pivot_header_cell_closed:contains('Ana Tour Newsletter')",
        },
        {
            content: "Two leads came from it, one of them won",
            trigger:
                ".o_pivot table tr:has(th:contains('Ana Tour Newsletter')) td:eq(0):contains('2')",
        },
        {
            trigger: ".o_pivot table tr:has(th:contains('Ana Tour Newsletter')) td:eq(2):contains('1')",
        },
    ],
});
