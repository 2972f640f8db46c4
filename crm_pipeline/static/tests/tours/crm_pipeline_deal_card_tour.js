import { registry } from "@web/core/registry";

/**
 * A salesperson opens a paid deal, looks at its chain of documents and
 * follows the link to its sale order (started on the deal's form by
 * TestDealCardUi, which passes the order and invoice names).
 */
registry.category("web_tour.tours").add("crm_pipeline_deal_card_tour", {
    steps: () => [
        {
            content: "the deal is open",
            trigger: ".o_breadcrumb:contains(Pumps for Romashka)",
        },
        {
            content: "open the Documents page",
            trigger: ".o_form_view .o_notebook a.nav-link[name=crm_pipeline_documents]",
            run: "click",
        },
        {
            content: "the summary counts one invoice",
            trigger: ".o_crm_pipeline_document_chain_level[data-level=invoice] .o_crm_pipeline_document_chain_count:contains(1)",
        },
        {
            content: "the invoice is in the chain",
            trigger: ".o_crm_pipeline_document_chain_node[data-model='account.move'] .o_crm_pipeline_document_chain_link:contains(INV/)",
        },
        {
            content: "its two payments are under it",
            trigger: ".o_crm_pipeline_document_chain_node[data-model='account.move'] .o_crm_pipeline_document_chain_node[data-model='account.payment']:eq(1)",
        },
        {
            content: "a payment shows its amount",
            trigger: ".o_crm_pipeline_document_chain_node[data-model='account.payment'] .o_crm_pipeline_document_chain_node_amount:contains(1,500.00)",
        },
        {
            content: "open the sale order",
            trigger: ".o_crm_pipeline_document_chain_node[data-model='sale.order'] > div .o_crm_pipeline_document_chain_link",
            run: "click",
        },
        {
            content: "the sale order form is shown, with the deal in the breadcrumbs",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains(Sales Order)",
        },
        {
            content: "the deal is one step back in the breadcrumbs",
            trigger: ".o_breadcrumb:contains(Pumps for Romashka):contains(S0)",
        },
    ],
});
