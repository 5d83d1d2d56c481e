import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";

// Whoever takes the mail to the post office prints, from the menu, every
// letter still to post in one PDF.
registry.category("web_tour.tours").add("account_dunning_print_letters", {
    steps: () => [
        {
            content: "Note the download the action starts instead of leaving the page",
            trigger: ".o_list_view",
            run() {
                // The location's own properties cannot be proxied: a stand-in
                // reads and navigates through the real one, and notes downloads.
                const location = window.location;
                const standIn = {
                    assign: (url) => (document.body.dataset.dunningDownload = url),
                    reload: () => location.reload(),
                    replace: (url) => location.replace(url),
                    toString: () => location.toString(),
                };
                const parts = ["href", "origin", "protocol", "host", "hostname", "port", "pathname", "search", "hash"];
                for (const name of parts) {
                    Object.defineProperty(standIn, name, {
                        get: () => location[name],
                        set: (value) => (location[name] = value),
                    });
                }
                Object.defineProperty(browser, "location", { configurable: true, get: () => standIn });
            },
        },
        {
            content: "Open the Customers menu",
            trigger: ".o_main_navbar button[data-menu-xmlid='account.menu_finance_receivables']",
            run: "click",
        },
        {
            content: "Print Letters to Post",
            trigger: ".o-dropdown--menu .dropdown-item[data-menu-xmlid='account_dunning.menu_dunning_print_letters']",
            run: "click",
        },
        {
            content: "A PDF is downloaded, no error",
            trigger: "body[data-dunning-download*='/web/content/']:not(:has(.o_error_dialog))",
        },
    ],
});
