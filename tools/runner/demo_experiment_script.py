"""Demo data of the letter experiments, loaded by `odoo shell` after the
customers' side: over the last ten weeks, 400 more customers were reminded;
an experiment on the courteous level (the usual wording against one that
opens with a personal word) found its winner, which was promoted, and one on
the firm level (offering a payment plan or not) still runs.  Real reminders,
payments and outcomes, so the experiment, recovery and DSO screens show
numbers in a new database."""

# A script run by `odoo shell`: it reports with print() and commits its work.
# pylint: disable=print-used,invalid-commit

import random
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields

CUSTOMERS = 400
SEED = 2026
INTROS = {
    "courteous": {
        "fr_FR": "<p>Nous savons que la fin de mois est chargée : un simple virement suffit.</p>",
        "en_US": "<p>We know month ends are busy: a simple transfer is all it takes.</p>",
    },
    "firm": {
        "fr_FR": "<p>Si un règlement en une fois vous est difficile, proposez-nous un échéancier.</p>",
        "en_US": "<p>If paying at once is difficult, suggest a payment plan to us.</p>",
    },
}
# Share of each variant's customers who pay within the outcome window.
RATES = {("courteous", "A"): 0.25, ("courteous", "B"): 0.45, ("firm", "A"): 0.30, ("firm", "B"): 0.36}


def variants(env, policy, level):
    """A: the level's own wording (the control); B: the same with a first sentence of its own."""
    Wording = env["account.dunning.wording"]
    control = env["account.dunning.variant"].create({"name": "A", "level_id": level.id, "is_default": True})
    challenger = env["account.dunning.variant"].create({"name": "B", "level_id": level.id})
    for lang, intro in INTROS[level.tone].items():
        own = level.wording_ids.filtered(lambda w, lang=lang: w.lang == lang and not w.variant_id)[:1]
        body = own.body or Wording.with_context(lang=lang)._standard_body(level.tone)
        Wording.create(
            {
                "level_id": level.id,
                "policy_id": policy.id,
                "variant_id": challenger.id,
                "lang": lang,
                "body": intro + str(body),
            }
        )
    return control, challenger


def customers_with_invoices(env, company, due):
    partners = env["res.partner"].create(
        [
            {
                "name": f"Commerce {index:03d} SARL",
                "is_company": True,
                "email": f"compta{index:03d}@commerce.example",
                "street": f"{index} rue Mercière",
                "zip": "69002",
                "city": "Lyon",
                "country_id": env.ref("base.fr").id,
                "lang": "fr_FR",
            }
            for index in range(1, CUSTOMERS + 1)
        ]
    )
    invoices = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": company.id,
                "invoice_date": due - timedelta(days=30),
                "invoice_date_due": due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create({"name": "Étude d'éclairage", "quantity": 1, "price_unit": 120.0 + index % 7 * 40})
                ],
            }
            for index, partner in enumerate(partners)
        ]
    )
    invoices.action_post()
    invoices.is_move_sent = True  # sent to the customer: only those are chased
    return partners, {invoice.partner_id: invoice for invoice in invoices}


def experiment(env, policy, level, name, day, **values):
    control, challenger = variants(env, policy, level)
    with freeze_time(day):
        record = env["account.dunning.experiment"].create(
            {
                "name": name,
                "policy_id": policy.id,
                "level_id": level.id,
                "variant_ids": [Command.set((control | challenger).ids)],
                **values,
            }
        )
        record.action_start()
    return record


def remind_and_pay(env, company, day, partners, invoice_of, rng):
    """The dunning of `day` for `partners`; some pay in the next 12 days, as their letter's rate says."""
    with freeze_time(day):
        reminders, _stats = env["account.dunning.engine"]._run(company, today=day, partner_ids=partners.ids)
    paid_on = {}
    for reminder in reminders.sorted("id"):
        key = (reminder.level_id.tone, reminder.variant_id.name)
        if rng.random() < RATES.get(key, 0.0):
            paid_on.setdefault(day + timedelta(days=rng.randint(1, 12)), []).append(invoice_of[reminder.partner_id].id)
    for pay_day, ids in sorted(paid_on.items()):
        with freeze_time(pay_day):
            env["account.payment.register"].with_context(active_model="account.move", active_ids=ids).create(
                {"payment_date": pay_day, "group_payment": False}
            )._create_payments()
    # Their emails are not part of the demo's outbox.
    env["mail.mail"].search([("model", "=", "account.dunning.reminder"), ("res_id", "in", reminders.ids)]).unlink()
    return reminders


def main(env):
    company = env.ref("base.main_company")
    today = fields.Date.context_today(env["res.partner"])
    policy = env["account.dunning.policy"]._default_for_company(company)
    courteous, firm = policy.level_ids.sorted("days_overdue")[:2]
    start = today - timedelta(days=70)
    rng = random.Random(SEED)
    partners, invoice_of = customers_with_invoices(env, company, start - timedelta(days=3))
    first = experiment(env, policy, courteous, "Un mot personnel", start, min_sample=150, auto_promote=True)
    remind_and_pay(env, company, start, partners, invoice_of, rng)
    unpaid = partners.filtered(lambda partner: invoice_of[partner].payment_state == "not_paid")
    second = experiment(env, policy, firm, "Proposer un échéancier", start + timedelta(days=15), min_sample=300)
    remind_and_pay(env, company, start + timedelta(days=16), unpaid, invoice_of, rng)
    # The others paid since: they no longer crowd the demo's cockpit.
    left = [invoice.id for invoice in invoice_of.values() if invoice.payment_state == "not_paid"]
    with freeze_time(today - timedelta(days=3)):
        env["account.payment.register"].with_context(active_model="account.move", active_ids=left).create(
            {"payment_date": today - timedelta(days=3), "group_payment": False}
        )._create_payments()
    env["account.dunning.outcome"]._refresh(today)
    env["account.dunning.experiment"]._evaluate_running(today)
    env["account.dunning.dso"]._refresh(today)
    for record in first | second:
        print(f"Experiment: {record.name}: {record.state}, {record.decision}")
    env.cr.commit()


if __name__ == "__main__":
    # `odoo shell` executes stdin with `env` in the globals.
    main(globals()["env"])
