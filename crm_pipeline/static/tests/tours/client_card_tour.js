import { registry } from "@web/core/registry";

/**
 * A salesperson opens a client's card, reads its portrait, records a
 * complaint from the card and finds it in the client's complaints (started on
 * the client's form by TestClientCardUi).
 */
registry.category("web_tour.tours").add("crm_pipeline_client_card_tour", {
    steps: () => [
        {
            content: "the client's card is open",
            trigger: ".o_form_view .o_field_widget[name=name] input:value(OOO Romashka)",
        },
        {
            content: "open the Portrait page",
            trigger: ".o_form_view .o_notebook a.nav-link[name=crm_pipeline_portrait]",
            run: "click",
        },
        {
            content: "the revenue of the last 12 months is shown",
            trigger: ".o_crm_pipeline_portrait_value[data-key=revenue_12m]:contains(1,900.00)",
        },
        {
            content: "so is the overdue debt",
            trigger: ".o_crm_pipeline_portrait_value[data-key=overdue_amount]:contains(200.00)",
        },
        {
            content: "and what it buys most",
            trigger: ".o_crm_pipeline_portrait_section[data-section=categories] .o_crm_pipeline_portrait_category:first:contains(Cables)",
        },
        {
            content: "no complaint yet",
            trigger: ".o_crm_pipeline_portrait_value[data-key=open_complaint_count]:contains(0)",
        },
        {
            content: "record a complaint from the card",
            trigger: ".o_form_view button.o_crm_pipeline_portrait_complaint_new",
            run: "click",
        },
        {
            content: "the dialog has the client filled in",
            trigger: ".modal .o_field_widget[name=partner_id] input:value(OOO Romashka)",
        },
        {
            content: "choose the category",
            trigger: ".modal .o_field_widget[name=category_id] input",
            run: "edit Delivery",
        },
        {
            content: "Delivery delay",
            trigger: ".o-autocomplete--dropdown-item:contains(Delivery delay)",
            run: "click",
        },
        {
            content: "it is critical",
            trigger: ".modal .o_field_widget[name=severity] input[data-value=critical]",
            run: "click",
        },
        {
            content: "say what went wrong",
            trigger: ".modal .o_field_widget[name=description] textarea",
            run: "edit The cable came a week late",
        },
        {
            content: "save the complaint",
            trigger: ".modal .modal-footer button:contains(Save)",
            run: "click",
        },
        {
            content: "the portrait counts the open complaint",
            trigger: "body:not(:has(.modal)) .o_crm_pipeline_portrait_value[data-key=open_complaint_count]:contains(1)",
        },
        {
            content: "open the client's complaints",
            trigger: ".o_crm_pipeline_portrait a.o_crm_pipeline_portrait_complaints",
            run: "click",
        },
        {
            content: "the complaint is listed",
            trigger: ".o_list_view .o_data_row:contains(Delivery delay):contains(Critical)",
        },
    ],
});
