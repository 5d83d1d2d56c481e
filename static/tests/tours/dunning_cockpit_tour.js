import { registry } from "@web/core/registry";

// A credit controller starts the day on the To Do list, switches to the cards,
// and sends the reminder of a customer straight from its card.
registry.category("web_tour.tours").add("account_dunning_cockpit_send", {
    steps: () => [
        {
            content: "The customer is on today's To Do list",
            trigger: ".o_list_view .o_data_row:contains('Cockpit Customer')",
        },
        {
            content: "Switch to the cards",
            trigger: ".o_control_panel .o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "Send Reminder from the customer's card",
            trigger: ".o_kanban_record:contains('Cockpit Customer') button[name='action_send_reminder']",
            run: "click",
        },
        {
            content: "The wizard previews the courteous reminder",
            trigger: ".modal .o_field_widget[name='preview']:contains('Unless we are mistaken'):contains('640.00')",
        },
        {
            content: "Send",
            trigger: ".modal button[name='action_send']",
            run: "click",
        },
        {
            content: "Back on the cards, no error",
            trigger: "body:not(:has(.modal)):not(:has(.o_error_dialog)) .o_kanban_view",
        },
    ],
});
