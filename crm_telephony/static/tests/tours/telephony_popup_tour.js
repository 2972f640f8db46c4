import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * A salesperson works in the CRM when a known client calls: the popup shows the
 * client, the open deal and the last interaction, and opens the client's card.
 * The ringing call arrives from the PBX's webhook, posted by TestTelephonyUi while
 * the tour waits (see test_telephony_ui.py).
 */
registry.category("web_tour.tours").add("crm_telephony_popup_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "the web client is loaded",
            trigger: ".o_main_navbar",
        },
        {
            content: "the incoming-call popup shows the calling client",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_client:contains(Popup Tour Client LLC)",
            timeout: 60000,
        },
        {
            content: "the contact who calls is named",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_contact:contains(Vera Caller)",
        },
        {
            content: "the open deal is listed",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_deals:contains(Popup tour pumps)",
        },
        {
            content: "the last interaction is listed",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_interactions:contains(Popup tour pumps)",
        },
        {
            content: "open the client",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_open_client",
            run: "click",
        },
        {
            content: "the client's card is open",
            trigger: ".o_breadcrumb:contains(Popup Tour Client LLC)",
        },
        {
            content: "open the deal from the popup, still shown during the call",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_open_deal",
            run: "click",
        },
        {
            content: "the deal is open",
            trigger: ".o_breadcrumb:contains(Popup tour pumps)",
        },
        {
            content: "close the popup",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_dismiss",
            run: "click",
        },
        {
            content: "the popup is gone",
            trigger: "body:not(:has(.o_crm_telephony_incoming_call))",
        },
    ],
});

/**
 * An unknown number calls: the popup says so and opens the lead the call gave the pool.
 */
registry.category("web_tour.tours").add("crm_telephony_popup_unknown_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "the web client is loaded",
            trigger: ".o_main_navbar",
        },
        {
            content: "the popup tells the number is unknown",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_unknown",
            timeout: 60000,
        },
        {
            content: "the number is shown",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_number:contains(+79990005566)",
        },
        {
            content: "the lead made for the number is listed",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_deals:contains(+79990005566)",
        },
        {
            content: "open it",
            trigger: ".o_crm_telephony_incoming_call .o_crm_telephony_open_deal",
            run: "click",
        },
        {
            content: "the lead is open with the number",
            trigger: ".o_form_view .o_field_widget[name=phone] input:value(+79990005566)",
        },
    ],
});

/**
 * A head of sales opens the call statistics from CRM > Reporting > Calls.
 */
registry.category("web_tour.tours").add("crm_telephony_statistics_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "open the CRM",
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            run: "click",
        },
        {
            content: "open Reporting",
            trigger: "button[data-menu-xmlid='crm.crm_menu_report']",
            run: "click",
        },
        {
            content: "open Calls",
            trigger: "a[data-menu-xmlid='crm_telephony.crm_call_report_menu']",
            run: "click",
        },
        {
            content: "the pivot shows the managers",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains(Stats Salesperson)",
        },
        {
            content: "with their answered calls",
            trigger: ".o_pivot th:contains(Answered)",
        },
        {
            content: "switch to the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "the graph is drawn",
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "open Reporting again",
            trigger: "button[data-menu-xmlid='crm.crm_menu_report']",
            run: "click",
        },
        {
            content: "open Who Called Whom",
            trigger: "a[data-menu-xmlid='crm_telephony.crm_call_contact_report_menu']",
            run: "click",
        },
        {
            content: "the manager's group is listed",
            trigger: ".o_list_view .o_group_name:contains(Stats Salesperson)",
        },
        {
            content: "open it",
            trigger: ".o_list_view .o_group_name:contains(Stats Salesperson)",
            run: "click",
        },
        {
            content: "the client the manager spoke with is listed",
            trigger: ".o_list_view .o_data_row:contains(Stats Client LLC)",
        },
    ],
});

/**
 * A salesperson calls a client from its card through the PBX (started on the
 * client's form by TestTelephonyUi).
 */
registry.category("web_tour.tours").add("crm_telephony_click_to_call_tour", {
    steps: () => [
        {
            content: "the client's card is open",
            trigger: ".o_breadcrumb:contains(Click Tour Client LLC)",
        },
        {
            content: "focus the phone number: its buttons show",
            trigger: ".o_field_widget[name=phone] input",
            run: "click",
        },
        {
            content: "call through the PBX",
            trigger: ".o_field_widget[name=phone] .o_crm_telephony_click_to_call",
            run: "click",
        },
        {
            content: "the user is told their phone rings",
            trigger: ".o_notification:contains(Your phone rings)",
        },
    ],
});
