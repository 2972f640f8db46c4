import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const stepRow = (index) => `div[name="step_ids"] .o_data_row:nth-child(${index})`;

registry.category("web_tour.tours").add("crm_bpm_process_designer_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            content: "Open the configuration menu",
            trigger: 'button[data-menu-xmlid="crm.crm_menu_config"]',
            run: "click",
        },
        {
            content: "Open the processes",
            trigger: 'a[data-menu-xmlid="crm_bpm.crm_bpm_process_menu"]',
            run: "click",
        },
        {
            content: "Create a process",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: '.o_field_widget[name="name"] input',
            run: "edit Tour contract approval",
        },
        {
            content: "It accompanies deals",
            trigger: '.o_field_widget[name="model_id"] input',
            run: "edit Lead",
        },
        {
            trigger: '.ui-menu-item a:contains("Lead/Opportunity")',
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "Version 1 was created as a draft: open it",
            trigger: 'div[name="version_ids"] .o_data_row:contains("Draft") button[name="action_open"]',
            run: "click",
        },
        {
            content: "The draft's designer is open",
            trigger: '.o_form_view .o_statusbar_status .o_arrow_button_current:contains("Draft")',
        },
        {
            content: "Add the first step",
            trigger: 'div[name="step_ids"] .o_field_x2many_list_row_add a',
            run: "click",
        },
        {
            trigger: `${stepRow(1)} [name="name"] input`,
            run: "edit Check the contract",
        },
        {
            content: "It is the start step",
            trigger: `${stepRow(1)} [name="is_start"] input`,
            run: "click",
        },
        {
            content: "Assigned to a user",
            trigger: `${stepRow(1)} [name="user_id"] input`,
            run: "edit Adam",
        },
        {
            trigger: '.ui-menu-item a:contains("Adam Administrator")',
            run: "click",
        },
        {
            content: "Add the second step",
            trigger: 'div[name="step_ids"] .o_field_x2many_list_row_add a',
            run: "click",
        },
        {
            trigger: `${stepRow(2)} [name="name"] input`,
            run: "edit Approve the contract",
        },
        {
            content: "It is an approval",
            trigger: `${stepRow(2)} [name="kind"] select`,
            run: "selectByLabel Approval",
        },
        {
            trigger: `${stepRow(2)} [name="user_id"] input`,
            run: "edit Helen",
        },
        {
            trigger: '.ui-menu-item a:contains("Helen Head")',
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "Go to the transitions",
            trigger: '.o_notebook .nav-link:contains("Transitions")',
            run: "click",
        },
        {
            content: "Add a transition",
            trigger: 'div[name="transition_ids"] .o_field_x2many_list_row_add a',
            run: "click",
        },
        {
            trigger: 'div[name="transition_ids"] .o_data_row [name="from_step_id"] input',
            run: "edit Check",
        },
        {
            trigger: '.ui-menu-item a:contains("Check the contract")',
            run: "click",
        },
        {
            trigger: 'div[name="transition_ids"] .o_data_row [name="to_step_id"] input',
            run: "edit Approve",
        },
        {
            trigger: '.ui-menu-item a:contains("Approve the contract")',
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "Publish version 1",
            trigger: 'button[name="action_publish"]',
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Version 1 is published and read-only",
            trigger: '.o_form_view .o_statusbar_status .o_arrow_button_current:contains("Published")',
        },
        {
            trigger: '.o_form_view .alert-info:contains("cannot be changed")',
        },
        {
            content: "Make a new version",
            trigger: 'button[name="action_new_version"]',
            run: "click",
        },
        {
            content: "Version 2 is a draft",
            trigger: '.o_form_view .o_statusbar_status .o_arrow_button_current:contains("Draft")',
        },
        {
            trigger: '.o_form_view .oe_title [name="number"]:contains("2")',
        },
        {
            content: "with the steps copied and editable",
            trigger: 'div[name="step_ids"] .o_data_row:contains("Approve the contract")',
        },
        {
            trigger: 'div[name="step_ids"] .o_field_x2many_list_row_add a',
        },
    ],
});
