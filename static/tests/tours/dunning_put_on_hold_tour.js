import { registry } from "@web/core/registry";

// An accountant selects an overdue invoice in the customer invoices list, puts
// it on hold (the customer promised to pay), and finds it with the "Dunning on
// Hold" filter and on the invoice's Dunning tab.
registry.category("web_tour.tours").add("account_dunning_put_on_hold", {
    steps: () => [
        {
            content: "Both customers' invoices are listed",
            trigger: ".o_list_view:has(.o_data_row:contains('Paying Customer')) .o_data_row:contains('Hold Tour Customer')",
        },
        {
            content: "Select the overdue invoice",
            trigger: ".o_data_row:contains('Hold Tour Customer') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Put on Hold",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Put on Hold')",
            run: "click",
        },
        {
            content: "The wizard lists the selected invoice",
            trigger: ".modal .o_field_widget[name='move_ids'] .o_tag",
        },
        {
            content: "The customer promised to pay",
            trigger: ".modal .o_field_widget[name='reason'] select",
            run: 'select "promise"',
        },
        {
            content: "Until the end of the century",
            trigger: ".modal .o_field_widget[name='until'] input",
            run: "edit 12/31/2099 && click .modal-body",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name='note'] input",
            run: "edit Promised on the phone",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "Back on the list",
            trigger: "body:not(:has(.modal)) .o_list_view",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter the invoices on hold",
            trigger: ".o_filter_menu .dropdown-item:contains('Dunning on Hold')",
            run: "click",
        },
        {
            content: "Only the held invoice is left",
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains('Paying Customer'))) " +
                ".o_data_row:contains('Hold Tour Customer')",
        },
        {
            content: "Open it",
            trigger: ".o_data_row:contains('Hold Tour Customer') .o_data_cell[name='invoice_partner_display_name']",
            run: "click",
        },
        {
            content: "Open the Dunning tab",
            trigger: ".o_notebook a.nav-link:contains('Dunning')",
            run: "click",
        },
        {
            content: "The invoice is on hold",
            trigger: ".o_field_widget[name='dunning_blocked'] input:checked",
        },
        {
            content: "The reason is logged in the chatter",
            trigger: ".o-mail-Message:contains('Promise to pay'):contains('Promised on the phone')",
        },
    ],
});
