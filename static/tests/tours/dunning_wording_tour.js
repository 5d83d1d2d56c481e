import { registry } from "@web/core/registry";

// A dunning manager words the firm reminder in the policy form: the standard
// text comes first, the preview follows the edit, the policy saves.
registry.category("web_tour.tours").add("account_dunning_wording", {
    steps: () => [
        {
            content: "Open the Wording tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name='wording']",
            run: "click",
        },
        {
            content: "Add a wording",
            trigger: "div[name='wording_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Choose the firm level",
            trigger: ".modal div[name='level_id'] input",
            run: "edit Second",
        },
        {
            content: "Pick it",
            trigger: ".modal .o-autocomplete--dropdown-menu .dropdown-item:contains('Second reminder')",
            run: "click",
        },
        {
            content: "The standard text of the firm tone is offered",
            trigger: ".modal div[name='body'] .odoo-editor-editable p:contains('Please settle them within')",
        },
        {
            content: "The preview shows it with the level's latest reminder",
            trigger: ".modal div[name='preview'] p:contains('Please settle them within 8 days')",
        },
        {
            content: "Rewrite the paragraph",
            trigger: ".modal div[name='body'] .odoo-editor-editable p:contains('Please settle them within')",
            run: "editor {{still_unpaid}} Thank you for paying {{total}} soon.",
        },
        {
            content: "Leave the editor",
            trigger: ".modal div[name='subject'] input",
            run: "click",
        },
        {
            content: "The preview follows the edit, with the reminder's values",
            trigger: ".modal div[name='preview'] p:contains('Thank you for paying'):contains('900.00 soon.')",
        },
        {
            content: "Keep the wording",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "It is listed",
            trigger: "body:not(:has(.modal)) div[name='wording_ids'] .o_data_row:contains('Second reminder')",
        },
        {
            content: "Save the policy",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved, no error",
            trigger: "body:not(:has(.o_error_dialog)) .o_form_status_indicator_buttons.invisible:not(:visible)",
        },
    ],
});
