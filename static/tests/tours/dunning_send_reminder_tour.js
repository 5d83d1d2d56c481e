import { registry } from "@web/core/registry";

// An accountant opens an overdue invoice, sends a reminder after checking the
// preview, and finds it in the chatter and on the invoice's Dunning tab.
registry.category("web_tour.tours").add("account_dunning_send_reminder", {
    steps: () => [
        {
            content: "Open the Send Reminder wizard",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Send Reminder')",
            run: "click",
        },
        {
            content: "The preview shows the courteous text and the amount",
            trigger: ".modal .o_field_widget[name='preview']:contains('Unless we are mistaken'):contains('1,234.00')",
        },
        {
            content: "Send",
            trigger: ".modal button[name='action_send']",
            run: "click",
        },
        {
            content: "The reminder is logged in the invoice's chatter",
            trigger: ".o-mail-Message:contains('Payment reminder Courteous reminder')",
        },
        {
            content: "Open the Dunning tab",
            trigger: ".o_notebook a.nav-link:contains('Dunning')",
            run: "click",
        },
        {
            content: "The invoice is at the courteous level",
            trigger: ".o_field_widget[name='dunning_level_id']:contains('Courteous reminder')",
        },
    ],
});
