import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const MY_DAY_MENU = "[data-menu-xmlid='crm_mobile.mail_activity_menu_my_day']";

registry.category("web_tour.tours").add("crm_mobile_my_day", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.toggleHomeMenu().map((step) => ({ ...step, isActive: ["community", "mobile"] })),
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            isActive: ["mobile"],
            content: "Open the app menu",
            trigger: ".o_main_navbar .o_menu_toggle",
            run: "click",
        },
        {
            content: "Open My Day",
            trigger: `.o_menu_sections ${MY_DAY_MENU}, nav.o_burger_menu_content ${MY_DAY_MENU}`,
            run: "click",
        },
        {
            content: "Today's call is on the list",
            trigger: ".o_crm_mobile_my_day .o_kanban_record:contains('Call Acme about the offer')",
        },
        {
            content: "The overdue task is there, in red",
            trigger:
                ".o_crm_mobile_my_day .o_kanban_record:contains('Send Acme the price list') .o_crm_mobile_activity_overdue",
        },
        {
            content: "Neither tomorrow's activity nor a colleague's is shown",
            trigger:
                ".o_crm_mobile_my_day:not(:has(.o_kanban_record:contains('Tomorrow Acme meeting'))):not(:has(.o_kanban_record:contains('Colleague call to Globex')))",
        },
        {
            content: "Mark the call as done",
            trigger:
                ".o_crm_mobile_my_day .o_kanban_record:contains('Call Acme about the offer') .o_crm_mobile_activity_done",
            run: "click",
        },
        {
            content: "The call is gone, the overdue task stays",
            trigger:
                ".o_crm_mobile_my_day:not(:has(.o_kanban_record:contains('Call Acme about the offer'))) .o_kanban_record:contains('Send Acme the price list')",
        },
        {
            content: "Tap the card to open the lead",
            trigger: ".o_crm_mobile_my_day .o_kanban_record:contains('Send Acme the price list') .o_crm_mobile_activity_record",
            run: "click",
        },
        {
            content: "The lead is open",
            trigger: ".o_form_view .o_field_widget[name='name'] textarea:value('Acme Tour Lead')",
        },
        {
            content: "The done call is logged on the lead",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Call Acme about the offer')",
        },
    ],
});
