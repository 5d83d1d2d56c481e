{
    "name": "Dunning / Payment Reminders",
    "summary": "Chase overdue customer invoices: escalating reminders, legal letters, "
    "late fees and a daily dunning run",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/account-dunning/account_dunning",
    "author": "account_dunning contributors",
    "license": "LGPL-3",
    "depends": ["account", "mail", "portal"],
    "data": [
        "security/ir.model.access.csv",
        "views/account_move_views.xml",
    ],
    "installable": True,
    "application": False,
}
