import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_pipeline_qualify_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open the CRM",
            run: "click",
        },
        {
            trigger: ".o_menu_sections button[data-menu-xmlid='crm.crm_menu_sales'], .o_menu_sections a[data-menu-xmlid='crm.crm_menu_sales']",
            content: "Open the Sales menu",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='crm_pipeline.crm_lead_pool_menu']",
            content: "Open the Lead Pool",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour: 20 pumps needed') button.o_crm_pipeline_take",
            content: "Take the lead",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=user_id] input:value(Sasha Salesperson)",
            content: "The lead is mine now",
        },
        {
            trigger: ".o_form_view .o_form_statusbar button[name=action_open_qualify]",
            content: "Qualify it",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=decision] input[data-value=ours]:checked",
            content: "Ours is proposed",
        },
        {
            trigger: ".modal .o_field_widget[name=deal_type_id] input:value(Tour quick sale)",
            content: "The team's deal type is proposed",
        },
        {
            trigger: ".modal footer button[name=action_apply]",
            content: "Confirm the qualification",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Tour: first contact')",
            content: "The deal is in the first stage of its type",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id] input:value(OOO Tour Client, Tour Contact)",
            content: "The new client and contact person are linked",
        },
    ],
});
