import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_telephony_pbx_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open the CRM app",
            run: "click",
        },
        {
            trigger: "button[data-menu-xmlid='crm.crm_menu_config']",
            content: "Open the configuration menu",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='crm_telephony.crm_pbx_menu']",
            content: "Open the PBX connections",
            run: "click",
        },
        {
            trigger: ".o_list_button_add",
            content: "Create a PBX connection",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            content: "Name the connection",
            run: "edit Tour PBX",
        },
        {
            trigger: ".o_field_widget[name=kind] select",
            content: "Choose the PBX type",
            run: 'select "zadarma"',
        },
        {
            trigger: "div[name=extension_ids] .o_field_x2many_list_row_add a",
            content: "Add an extension",
            run: "click",
        },
        {
            trigger: "div[name=extension_ids] .o_data_row .o_field_widget[name=user_id] input",
            content: "Choose the user",
            run: "edit Tour Sales",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Salesperson')",
            content: "Pick the salesperson",
            run: "click",
        },
        {
            trigger: "div[name=extension_ids] .o_data_row .o_field_widget[name=extension] input",
            content: "Type the extension",
            run: "edit 205",
        },
        {
            trigger: ".o_form_button_save",
            content: "Save the connection",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
            content: "Wait for the save",
        },
        {
            trigger: "div[name=extension_ids] .o_data_row:contains('Tour Salesperson'):contains('205')",
            content: "The extension line is saved",
        },
        {
            trigger: ".o_field_widget[name=webhook_url]:contains('/crm_telephony/webhook/')",
            content: "The webhook URL is shown",
        },
    ],
});
