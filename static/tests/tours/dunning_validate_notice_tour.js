import { registry } from "@web/core/registry";

// A dunning manager opens the formal notice waiting for approval and
// validates it: it goes out at once.
registry.category("web_tour.tours").add("account_dunning_validate_notice", {
    steps: () => [
        {
            content: "The formal notice waits for validation",
            trigger: ".o_list_view .o_data_row:contains('Notice Customer'):contains('Formal notice')",
        },
        {
            content: "Open it",
            trigger: ".o_data_row:contains('Notice Customer') .o_data_cell[name='partner_id']",
            run: "click",
        },
        {
            content: "Validate and Send",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_validate']",
            run: "click",
        },
        {
            content: "The notice is sent",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Sent')",
        },
        {
            content: "No error",
            trigger: "body:not(:has(.o_error_dialog)) .o_form_view:not(:has(button[name='action_validate']))",
        },
    ],
});
