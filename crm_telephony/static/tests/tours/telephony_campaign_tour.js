import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * The head of sales creates a telemarketing campaign from the "bought before, not recently"
 * segment, gives it a caller and starts it: the call tasks are generated
 * (started by TestCampaignUi, which also checks the tasks afterwards).
 */
registry.category("web_tour.tours").add("telephony_campaign_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open the CRM",
            run: "click",
        },
        {
            trigger: ".o_menu_sections [data-menu-xmlid='crm_telephony.crm_call_campaign_menu_root']",
            content: "Open the Telemarketing menu",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='crm_telephony.crm_call_campaign_menu']",
            content: "Open the campaigns",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_list_button_add",
            content: "Create a campaign",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            content: "Name it",
            run: "edit Tour: lapsed clients",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=target_preset] input[data-value=lapsed]",
            content: "Bought in the previous 12 months, not in the last N months",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=lapsed_months] input",
            content: "Not in the last 3 months",
            run: "edit 3",
        },
        {
            trigger: ".o_form_view .o_notebook a.nav-link[name=callers]",
            content: "Open the Callers page",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=caller_ids] input",
            content: "Add a caller",
            run: "edit Sasha",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Sasha Salesperson)",
            content: "Pick the salesperson",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=caller_ids] .o_tag:contains(Sasha Salesperson)",
            content: "The salesperson calls",
        },
        {
            trigger: ".o_form_view .o_form_statusbar button[name=action_start]",
            content: "Start the campaign",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Running)",
            content: "The campaign runs",
        },
        {
            trigger: ".o_form_view button[name=action_view_tasks] .o_stat_text:contains(Tasks)",
            content: "Its tasks are generated",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(Tour Client Lapsed):contains(Sasha Salesperson)",
            content: "The lapsed client is to be called by the salesperson",
        },
    ],
});

/**
 * The salesperson opens My Call Tasks, opens the lapsed client's task and creates a deal from
 * the call.
 */
registry.category("web_tour.tours").add("telephony_campaign_caller_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open the CRM",
            run: "click",
        },
        {
            trigger: ".o_menu_sections [data-menu-xmlid='crm_telephony.crm_call_campaign_menu_root']",
            content: "Open the Telemarketing menu",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='crm_telephony.crm_call_task_menu_my']",
            content: "Open My Call Tasks",
            run: "click",
        },
        {
            trigger: ".o_kanban_view .o_kanban_record:contains(Tour Client Lapsed)",
            content: "Open the lapsed client's task",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=note] textarea",
            content: "Note what the client said",
            run: "edit Wants a quotation for 500 m of cable",
        },
        {
            trigger: ".o_form_view .o_form_statusbar button[name=action_create_deal]",
            content: "Create a deal from the call",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id] input:value(Tour Client Lapsed)",
            content: "The deal is the client's",
        },
        {
            trigger: ".o_breadcrumb:contains(Tour Client Lapsed: Tour: lapsed clients)",
            content: "The deal is named after the client and the campaign",
        },
    ],
});
