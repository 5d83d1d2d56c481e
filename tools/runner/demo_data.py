"""Demo data for account_dunning, executed inside `odoo shell` (fed on stdin).

The shell provides `env` (superuser).  The demo database is recreated from
scratch before this script runs, so it only creates records and never looks
for existing ones, except where Odoo itself already created them.

Content: a French SAS in Lyon with the French chart of accounts and a bank
account, six customers (French companies, a UK company, a private person) and
fifteen posted invoices whose due dates lie 5 to 120 days in the past, one
partly and one fully paid.  All names, numbers and addresses are fictitious
(identifiers are checksum-valid; phone numbers are in the ranges reserved for
fiction; e-mail domains use the reserved `.example` top-level domain).
"""

# A script run by `odoo shell`: it reports with print() and commits its work.
# pylint: disable=print-used,invalid-commit

import os
from datetime import timedelta
from pathlib import Path

from freezegun import freeze_time

from odoo import Command, fields

COMPANY = {
    "name": "Atelier Lumière SAS",
    "street": "25 quai Saint-Vincent",
    "zip": "69001",
    "city": "Lyon",
    "phone": "+33 4 65 71 12 34",
    "email": "contact@atelier-lumiere.example",
    "website": "https://atelier-lumiere.example",
    "company_registry": "81245763800011",  # SIRET (SIREN 812 457 638, NIC 00011)
    "vat": "FR91812457638",
    # Mentions French law requires on the letters of an SAS.
    "legal_form": "SAS",
    "share_capital": 10000,
    "trade_register_city": "Lyon",
}
BANK = {"name": "BNP Paribas", "bic": "BNPAFRPPXXX"}
IBAN = "FR76 3000 4019 2500 0102 7485 195"

# (key, values); `lang` and `country` are codes, resolved below.
CUSTOMERS = [
    (
        "tilleuls",
        {
            "name": "Hôtel Les Tilleuls SARL",
            "street": "18 rue des Martyrs",
            "zip": "75009",
            "city": "Paris",
            "country": "FR",
            "lang": "fr_FR",
            "email": "compta@hotel-tilleuls.example",
            "phone": "+33 1 99 00 21 45",
            "vat": "FR94443189212",
        },
    ),
    (
        "vieux_port",
        {
            "name": "Café du Vieux-Port SAS",
            "street": "4 quai du Port",
            "zip": "13002",
            "city": "Marseille",
            "country": "FR",
            "lang": "fr_FR",
            "email": "gerance@cafe-vieux-port.example",
            "phone": "+33 4 65 71 80 12",
            "vat": "FR52509277141",
        },
    ),
    (
        "garonne",
        {
            "name": "Galerie Garonne SARL",
            "street": "27 cours de l'Intendance",
            "zip": "33000",
            "city": "Bordeaux",
            "country": "FR",
            "lang": "fr_FR",
            "email": "administration@galerie-garonne.example",
            "phone": "+33 5 36 49 33 70",
            "vat": "FR22791630551",
        },
    ),
    (
        "crebillon",
        {
            "name": "Architectes Crébillon Associés",
            "street": "9 rue Crébillon",
            "zip": "44000",
            "city": "Nantes",
            "country": "FR",
            "lang": "fr_FR",
            "email": "agence@architectes-crebillon.example",
            "phone": "+33 2 61 91 05 58",
            "vat": "FR83388119463",
        },
    ),
    (
        "thistle",
        {
            "name": "Thistle & Oak Interiors Ltd",
            "street": "221 King's Road",
            "zip": "SW3 5EJ",
            "city": "London",
            "country": "GB",
            "lang": "en_GB",
            "email": "accounts@thistle-oak.example",
            "phone": "+44 20 7946 0321",
        },
    ),
    (
        "dubois",
        {
            "name": "Claire Dubois",
            "is_company": False,
            "street": "7 rue Nationale",
            "zip": "59000",
            "city": "Lille",
            "country": "FR",
            "lang": "fr_FR",
            "email": "claire.dubois@courriel.example",
            "phone": "+33 3 53 01 44 19",
        },
    ),
]
# Invoice contact of a company: reminders should go to the accounts department.
INVOICE_CONTACT = (
    "crebillon",
    {"name": "Service comptabilité", "email": "comptabilite@architectes-crebillon.example"},
)

PRODUCTS = [
    # (key, name, price, type)
    ("design_day", "Conception lumière (journée)", 850.0, "service"),
    ("install_hour", "Pose et raccordement (heure)", 95.0, "service"),
    ("pendant", "Suspension « Lumière » L", 320.0, "consu"),
    ("wall_lamp", "Applique murale laiton", 185.0, "consu"),
    ("maintenance", "Contrat de maintenance annuel", 1200.0, "service"),
]

# (customer, days overdue, [(product, quantity)]).  Invoice date = due date - 30.
INVOICES = [
    ("tilleuls", 120, [("design_day", 2), ("pendant", 6)]),
    ("tilleuls", 75, [("install_hour", 12)]),
    ("tilleuls", 22, [("maintenance", 1)]),
    ("vieux_port", 102, [("wall_lamp", 8), ("install_hour", 6)]),
    ("vieux_port", 47, [("pendant", 3)]),
    ("vieux_port", 8, [("install_hour", 4)]),
    ("garonne", 88, [("design_day", 3)]),
    ("garonne", 33, [("wall_lamp", 4), ("pendant", 2)]),
    ("crebillon", 63, [("design_day", 5), ("install_hour", 10)]),
    ("crebillon", 18, [("maintenance", 1)]),
    ("crebillon", 5, [("pendant", 1), ("wall_lamp", 2)]),
    ("thistle", 55, [("design_day", 4), ("pendant", 10)]),
    ("thistle", 12, [("wall_lamp", 6)]),
    ("dubois", 40, [("pendant", 1), ("install_hour", 3)]),
    ("dubois", 27, [("wall_lamp", 2)]),
]
# (customer, days overdue) of the invoice to pay, and the share paid.
PARTIAL_PAYMENT = (("crebillon", 63), 0.4)
FULL_PAYMENT = ("tilleuls", 22)
PAYMENT_TERM_DAYS = 30
DEMO_URL = "http://127.0.0.1:8069"


def setup_company(env):
    company = env.ref("base.main_company")
    france = env.ref("base.fr")
    eur = env.ref("base.EUR")
    eur.active = True
    company.write({**COMPANY, "country_id": france.id, "currency_id": eur.id})
    if "siret" in company._fields:  # l10n_fr
        company.siret = COMPANY["company_registry"]
    company.partner_id.lang = "fr_FR"
    env["account.chart.template"].try_loading("fr", company=company, install_demo=False)

    bank = env["res.bank"].create({**BANK, "country": france.id})
    bank_account = env["res.partner.bank"].create(
        {
            "acc_number": IBAN,
            "bank_id": bank.id,
            "partner_id": company.partner_id.id,
            "allow_out_payment": True,
        }
    )
    journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
    journal.bank_account_id = bank_account
    return company, journal


def create_customers(env):
    countries = {"FR": env.ref("base.fr"), "GB": env.ref("base.uk")}
    term = env.ref("account.account_payment_term_30days")
    customers = {}
    for key, values in CUSTOMERS:
        values = dict(values)
        values["country_id"] = countries[values.pop("country")].id
        values.setdefault("is_company", True)
        values["property_payment_term_id"] = term.id
        values["customer_rank"] = 1
        customers[key] = env["res.partner"].create(values)
    key, values = INVOICE_CONTACT
    company = customers[key]
    # Letters go to the invoice address: same building as the company.
    address = {field: company[field] for field in ("street", "zip", "city")}
    address["country_id"] = company.country_id.id
    env["res.partner"].create({**values, **address, "type": "invoice", "parent_id": company.id, "lang": "fr_FR"})
    return customers


def create_products(env):
    return {
        key: env["product.product"].create({"name": name, "list_price": price, "type": kind})
        for key, name, price, kind in PRODUCTS
    }


def create_invoices(env, customers, products):
    today = fields.Date.context_today(env["account.move"])
    term = env.ref("account.account_payment_term_30days")
    invoices = {}
    # Oldest first, so that numbers follow dates.
    for key, days_overdue, lines in sorted(INVOICES, key=lambda inv: -inv[1]):
        partner = customers[key]
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": today - timedelta(days=days_overdue + PAYMENT_TERM_DAYS),
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    Command.create({"product_id": products[product].id, "quantity": quantity})
                    for product, quantity in lines
                ],
            }
        )
        invoice.action_post()
        invoice.is_move_sent = True  # sent to the customer: only those are chased
        invoices[key, days_overdue] = invoice
    return invoices


def register_payment(env, invoice, journal, amount=None):
    """Register a payment with the invoice's Pay button wizard."""
    today = fields.Date.context_today(invoice)
    values = {"journal_id": journal.id, "payment_date": today - timedelta(days=3)}
    if amount is not None:
        values.update(amount=amount, payment_difference_handling="open")
    register = env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids)
    wizard = register.create(values)
    wizard.action_create_payments()


def ensure_reference_rate(env, today):
    """Late interest needs the reference rates of every half-year it covers.
    The addon ships the published ones; for a half-year not shipped yet the
    demo assumes the latest known rates (a real company enters them)."""
    Rate = env["account.dunning.reference.rate"]
    start = Rate._half_year_start(today)
    if not Rate.search_count([("date_start", "=", start)]):
        latest = Rate.search([], order="date_start desc", limit=1)
        Rate.create({"date_start": start, "reference_rate": latest.reference_rate, "legal_rate": latest.legal_rate})
        print(f"Demo: reference rates from {start} assumed equal to those from {latest.date_start}")


def word_courteous_level(env, company):
    """The company's own French wording of its courteous reminder (the
    policy form's Wording tab); its other levels and languages keep the
    standard text."""
    policy = env["account.dunning.policy"]._default_for_company(company)
    level = policy.level_ids.filtered(lambda level: level.tone == "courteous")[:1]
    nbsp = "\N{NO-BREAK SPACE}"
    env["account.dunning.wording"].create(
        {
            "level_id": level.id,
            "lang": "fr_FR",
            "subject": "Petit rappel – factures en attente de règlement",
            "body": (
                "<p>{{salutation}}</p>"
                "<p>Sauf erreur de notre part, nous n'avons pas encore reçu le règlement des factures ci-dessous, "
                f"soit {{{{total}}}} au total. Un oubli arrive à tout le monde{nbsp}: pourriez-vous nous les régler "
                f"dès que possible{nbsp}? Merci d'avance pour votre confiance.</p>"
                "<p>{{previous_reminders}}</p><p>{{invoices}}</p><p>{{payment}}</p>"
                "<p>{{contact}}</p><p>{{closing}}</p>"
            ),
        }
    )


def run_dunning(env, company):
    """Replay the nightly dunning over the last 90 days, so that customers sit
    at different levels with a real history, then run today's.  Until the
    last three weeks, the credit controller validates what waits for her
    within three days and the post office returns the acknowledgements of
    receipt two days after a registered letter; the recent ones still wait."""
    engine = env["account.dunning.engine"].with_company(company)
    Reminder = env["account.dunning.reminder"]
    today = fields.Date.context_today(engine)
    created = Reminder
    ensure_reference_rate(env, today)
    for days_ago in range(90, -1, -3):
        day = today - timedelta(days=days_ago)
        progress("replaying 90 days of dunning", f"{90 - days_ago}/90", f"{day}, {len(created)} reminders so far")
        # Each replayed night sees its own date: reminders go out dated the
        # day they are sent.
        with freeze_time(day):
            reminders, _stats = engine._run(company, today=day)
            created |= reminders
            waiting = Reminder.search(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "to_validate"),
                    ("date", "<=", day - timedelta(days=3)),
                ]
            )
            if days_ago > 21:
                waiting.action_validate()
        if days_ago > 21:
            for reminder in waiting.filtered("channel_registered"):
                reminder.write(
                    {
                        "registered_tracking": f"1A{reminder.id:011d}",
                        "registered_ack_date": reminder.date + timedelta(days=2),
                    }
                )
    by_state = {}
    for reminder in created:
        by_state[reminder.state] = by_state.get(reminder.state, 0) + 1
    print(f"Dunning: {len(created)} reminders over 90 days {by_state}")
    return created


def progress(label, count="", text=""):
    """Move the runner's progress line (see log_watch.ScriptWatcher)."""
    print(f"PROGRESS {label} | {count} | {text}", flush=True)


def summary(env, company, customers):
    today = fields.Date.context_today(env["account.move"])
    invoices = env["account.move"].search(
        [("company_id", "=", company.id), ("move_type", "=", "out_invoice"), ("state", "=", "posted")]
    )
    overdue = invoices.filtered(lambda m: m.amount_residual and m.invoice_date_due < today)
    total = sum(overdue.mapped("amount_residual"))
    print("=" * 60)
    print(f"Company:   {company.name} ({company.city}, {company.country_id.name}, {company.currency_id.name})")
    print(f"Chart:     {company.chart_template}")
    print(f"Customers: {len(customers)}")
    print(f"Invoices:  {len(invoices)} posted, {len(overdue)} overdue")
    print(f"Overdue:   {total:,.2f} {company.currency_id.symbol}")
    print("=" * 60)


def export_letters(env, company):
    """Write one PDF letter per tone the demo reached to ./out and print the paths."""
    out = Path(os.environ.get("DUNNING_DEMO_OUT") or "out")
    out.mkdir(parents=True, exist_ok=True)
    report = env.ref("account_dunning.action_report_dunning_letter")
    Reminder = env["account.dunning.reminder"]
    for tone, label in Reminder._fields["tone"].selection:
        reminder = Reminder.search(
            [("company_id", "=", company.id), ("tone", "=", tone), ("state", "!=", "cancelled")], limit=1
        )
        if not reminder:
            print(f"Letter:    no {label.lower()} in the demo")
            continue
        pdf = reminder.with_context(lang=reminder.lang)._print_batch(report)
        path = out / f"{tone}-{reminder.reference}.pdf"
        path.write_bytes(pdf)
        print(f"Letter:    {path.resolve()} ({label}, {reminder.partner_id.name})")


def export_statements(env, company):
    """Write the month-end statements of every customer with open items, in one PDF."""
    out = Path(os.environ.get("DUNNING_DEMO_OUT") or "out")
    today = fields.Date.context_today(env["res.partner"])
    partners = env["res.partner"]._dunning_statement_partners(company, today)
    report = env.ref("account_dunning.action_report_dunning_statement").with_context(
        dunning_statement_date=fields.Date.to_string(today), dunning_statement_company_id=company.id
    )
    pdf, _kind = report._render_qweb_pdf(report, partners.ids)
    path = out / f"statements-{today}.pdf"
    path.write_bytes(pdf)
    print(f"Statement: {path.resolve()} ({len(partners)} customers, one PDF)")


def activate_french(env):
    """Activate French (and British English, the UK customer's language) and
    load their translations, as Settings > Languages does."""
    for code in ("fr_FR", "en_GB"):
        env["res.lang"]._activate_lang(code)
        env["ir.module.module"].search([("state", "=", "installed")])._update_translations(code)


def main(env):
    progress("loading the demo data", text="French translations")
    activate_french(env)
    progress("loading the demo data", text="company, customers, invoices, payments")
    user = env.ref("base.user_admin")
    user.write({"password": "admin", "tz": "Europe/Paris"})
    # Links in the demo's mails (portal invoices) open where `demo --serve` serves.
    env["ir.config_parameter"].set_param("web.base.url", DEMO_URL)
    company, bank_journal = setup_company(env)
    customers = create_customers(env)
    products = create_products(env)
    invoices = create_invoices(env, customers, products)

    (key, days), share = PARTIAL_PAYMENT
    partial = invoices[key, days]
    register_payment(env, partial, bank_journal, amount=company.currency_id.round(partial.amount_total * share))
    register_payment(env, invoices[FULL_PAYMENT], bank_journal)

    word_courteous_level(env, company)
    run_dunning(env, company)
    env.cr.commit()
    progress("printing the letters", text="one letter per tone, the statements")
    summary(env, company, customers)
    export_letters(env, company)
    export_statements(env, company)


if __name__ == "__main__":
    # `odoo shell` executes stdin with `env` in the globals.
    main(globals()["env"])
