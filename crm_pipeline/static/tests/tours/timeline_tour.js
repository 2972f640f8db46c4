import { registry } from "@web/core/registry";

/**
 * A salesperson opens a client, reads the Timeline page, filters it by kind, follows an entry to its
 * document, then uses the list of the timeline (started by TestTimelineUi on the client's form).
 */
registry.category("web_tour.tours").add("crm_pipeline_timeline_tour", {
    steps: () => [
        {
            content: "the client is open",
            trigger: ".o_breadcrumb:contains(OOO Romashka)",
        },
        {
            content: "open the Timeline page",
            trigger: ".o_form_view .o_notebook a.nav-link[name=crm_timeline]",
            run: "click",
        },
        {
            content: "the email of the buyer is in the timeline",
            trigger: ".o_crm_timeline_entry[data-kind=email] .o_crm_timeline_who:contains(Irina Buyer)",
        },
        {
            content: "the order is newer than the email",
            trigger: ".o_crm_timeline_entry[data-kind=order] ~ .o_crm_timeline_entry[data-kind=email]",
        },
        {
            content: "keep only the deliveries",
            trigger: ".o_crm_timeline_chip[data-kind=delivery]",
            run: "click",
        },
        {
            content: "only the delivery is left",
            trigger: ".o_crm_timeline_entries:not(:has(.o_crm_timeline_entry:not([data-kind=delivery])))",
        },
        {
            content: "open the delivery",
            trigger: ".o_crm_timeline_entry[data-kind=delivery] .o_crm_timeline_link:contains(/OUT/)",
            run: "click",
        },
        {
            content: "the delivery form is shown",
            trigger: ".o_form_view .o_breadcrumb .active:contains(/OUT/)",
        },
        {
            content: "back to the client",
            trigger: ".o_breadcrumb a:contains(OOO Romashka)",
            run: "click",
        },
        {
            content: "open the Timeline page again",
            trigger: ".o_form_view .o_notebook a.nav-link[name=crm_timeline]",
            run: "click",
        },
        {
            content: "open the timeline as a list",
            trigger: ".o_crm_timeline .o_crm_timeline_open_list",
            run: "click",
        },
        {
            content: "the list shows the timeline",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=title]:contains(Request for a quote)",
        },
        {
            content: "open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "filter on meetings",
            trigger: ".o_filter_menu .dropdown-item:contains(Meeting)",
            run: "click",
        },
        {
            content: "only the meeting is left",
            trigger: ".o_list_view:not(:has(.o_data_cell[name=title]:contains(Request for a quote))) .o_data_row .o_data_cell[name=title]:contains(Pump selection)",
            run: "click",
        },
        {
            content: "the meeting form is shown",
            trigger: ".o_form_view .o_breadcrumb .active:contains(Pump selection)",
        },
    ],
});
