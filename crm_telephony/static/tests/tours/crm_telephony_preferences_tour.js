import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_telephony_preferences_tour", {
    url: "/odoo",
    steps: () => [
        {
            trigger: ".o_user_menu button",
            content: "Open the user menu",
            run: "click",
        },
        {
            trigger: "[data-menu=settings]",
            content: "Open the preferences",
            run: "click",
        },
        {
            trigger: ".modal div[name=crm_phone_extension_ids] .o_data_row:contains('Office PBX'):contains('101')",
            content: "The salesperson sees their extension",
        },
        {
            trigger: ".modal div[name=crm_phone_extension_ids]:not(:has(.o_field_x2many_list_row_add))",
            content: "The extensions cannot be edited here",
        },
        {
            trigger: ".modal div[name=crm_phone_extension_ids]:not(:contains('102'))",
            content: "Other users' extensions are not listed",
        },
    ],
});
