import { registry } from "@web/core/registry";

// A salesperson opens a deal, tries to move it to a gated stage from the
// statusbar, reads the refusal naming the missing field, fills it in and saves:
// the move succeeds.
registry.category("web_tour.tours").add("crm_pipeline_gate_tour", {
    steps: () => [
        {
            content: "The deal form is open",
            trigger: ".o_breadcrumb:contains('Gate tour deal')",
        },
        {
            content: "Move the deal to the gated stage",
            trigger: ".o_statusbar_status button:contains('Gate Tour Offer')",
            run: "click",
        },
        {
            content: "The refusal names the stage and the missing field",
            trigger: ".modal .modal-body:contains('Gate Tour Offer'):contains('Expected Closing')",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Fill in the expected closing date",
            trigger: ".o_field_widget[name=date_deadline] input",
            run: "edit 12/31/2030",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The deal is now in the gated stage and saved",
            trigger:
                ".o_form_saved .o_statusbar_status button[aria-checked=true]:contains('Gate Tour Offer')",
        },
    ],
});
