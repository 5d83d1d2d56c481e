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
                const location = window.location;
                Object.defineProperty(browser, "location", {
                    configurable: true,
                    get: () =>
                        new Proxy(location, {
                            get(target, property) {
                                if (property === "assign") {
                                    return (url) => (document.body.dataset.dunningDownload = url);
                                }
                                const value = target[property];
                                return typeof value === "function" ? value.bind(target) : value;
                            },
                            set(target, property, value) {
                                target[property] = value;
                                return true;
                            },
                        }),
                });
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
