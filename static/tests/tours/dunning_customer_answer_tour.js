import { registry } from "@web/core/registry";

// A customer who got a letter types its pay-online address and promises to
// pay in ten days, without logging in; the page thanks it and lists the answer.
registry.category("web_tour.tours").add("account_dunning_customer_answer", {
    steps: () => [
        {
            content: "Unfold the promise to pay",
            trigger: ".o_dunning_pay_page details[data-kind='promise'] summary",
            run: "click",
        },
        {
            content: "Pick a date ten days from today",
            trigger: ".o_dunning_pay_page details[data-kind='promise'][open] input[name='promise_date']",
            run() {
                this.anchor.value = new Date(Date.now() + 10 * 86400000).toISOString().slice(0, 10);
            },
        },
        {
            content: "Say a word",
            trigger: ".o_dunning_pay_page details[data-kind='promise'] textarea[name='message']",
            run: "edit Règlement prévu à réception de notre facture client.",
        },
        {
            content: "Send the answer",
            trigger: ".o_dunning_pay_page details[data-kind='promise'] button[type='submit']",
            run: "click",
        },
        {
            content: "The page thanks the customer",
            trigger: ".o_dunning_pay_page .o_dunning_answered",
        },
        {
            content: "and lists the answer given",
            trigger: ".o_dunning_pay_page .o_dunning_answers li:contains('Promesse de régler')",
        },
    ],
});
