import { registry } from "@web/core/registry";

/**
 * The CRM administrator sets up an Asterisk connection: the form shows the settings of the
 * chosen vendor only (AMI settings for Asterisk; the API URL and no signing secret for Zadarma).
 * Checked on the saved record by TestVendorUi (test_vendor_ui.py).
 */
registry.category("web_tour.tours").add("crm_telephony_vendor_tour", {
    url: "/odoo/action-crm_telephony.crm_pbx_action",
    steps: () => [
        {
            trigger: ".o_list_button_add",
            content: "Create a PBX connection",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            content: "Name the connection",
            run: "edit Tour Asterisk",
        },
        {
            trigger: ".o_field_widget[name=kind] select",
            content: "Choose Zadarma first",
            run: 'select "zadarma"',
        },
        {
            trigger: ".o_notebook a.nav-link:contains(Vendor API)",
            content: "Open the vendor settings",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=zadarma_api_url]",
            content: "Zadarma's API address is offered",
        },
        {
            trigger: ".o_form_sheet:not(:has(.o_field_widget[name=hmac_secret])):not(:has(.o_field_widget[name=ami_host]))",
            content: "Zadarma signs with its API secret: no signing secret, no AMI settings",
        },
        {
            trigger: ".o_field_widget[name=kind] select",
            content: "Switch to Asterisk AMI",
            run: 'select "asterisk_ami"',
        },
        {
            trigger: ".o_form_sheet:not(:has(.o_field_widget[name=zadarma_api_url])):not(:has(.o_field_widget[name=api_key]))",
            content: "The Zadarma settings and the vendor API key are gone",
        },
        {
            trigger: ".o_field_widget[name=hmac_secret]",
            content: "The connector signs with the signing secret",
        },
        {
            trigger: ".o_field_widget[name=ami_host] input",
            content: "Type the Asterisk host",
            run: "edit pbx.example.com",
        },
        {
            trigger: ".o_field_widget[name=ami_user] input",
            content: "Type the AMI user",
            run: "edit crm",
        },
        {
            trigger: ".o_field_widget[name=ami_secret] input",
            content: "Type the AMI secret",
            run: "edit ami-tour-secret",
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
    ],
});
