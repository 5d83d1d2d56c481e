"""Demo data of the customer's side, loaded by `odoo shell` after
demo_data.py: answers from the pay-online page, a promise to pay broken and
a payment plan running."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields


def latest_reminders(env, company):
    """{customer: its latest reminder sent in the last 30 days with invoices still to pay}."""
    Reminder = env["account.dunning.reminder"].sudo()
    today = fields.Date.context_today(Reminder)
    reminders = Reminder.search(
        [("company_id", "=", company.id), ("state", "=", "sent"), ("date", ">=", today - timedelta(days=30))],
        order="date desc, id desc",
    )
    latest = {}
    for reminder in reminders:
        if reminder._moves_still_open() and not reminder._answers_expired():
            latest.setdefault(reminder.partner_id, reminder)
    return latest


def answer_from_the_portal(env, company):
    """Two customers answered their latest reminder from its pay-online page,
    as a visitor does (see controllers/pay.py): one disputes an invoice, the
    other promises to pay within two weeks."""
    today = fields.Date.context_today(env["account.dunning.reminder"])
    answering = list(latest_reminders(env, company).values())[:2]
    answers = [
        ("dispute", {"reason": "Livraison incomplète : il manque deux appliques murales"}),
        ("promise", {"promise_date": str(today + timedelta(days=14)), "message": "Virement prévu le 15."}),
    ]
    for reminder, (kind, values) in zip(answering, answers, strict=False):
        reminder = reminder.with_context(lang=reminder.lang)
        moves = reminder._moves_still_open()
        reminder._record_answer(kind, moves[:1] if kind == "dispute" else moves, values)
        print(f"Answer:    {reminder.partner_id.name} ({reminder.reference}): {kind}")


def break_a_promise(env, company):
    """A customer promised on the phone three weeks ago to pay within two
    weeks, and did not: the nightly check marked the promise broken."""
    today = fields.Date.context_today(env["account.dunning.reminder"])
    reminder = list(latest_reminders(env, company).values())[2]
    called = today - timedelta(days=21)
    with freeze_time(called):
        reminder._log_call_result("promise", reminder._moves_still_open(), until=called + timedelta(days=14))
    env["account.dunning.answer"]._check_promises(today)
    print(f"Promise:   {reminder.partner_id.name} ({reminder.reference}): broken")


def plan_in_installments(env, company):
    """A customer settles its open invoices in three monthly installments."""
    reminder = list(latest_reminders(env, company).values())[3]
    moves = reminder._moves_still_open()
    Plan = env["account.dunning.payment.plan"]
    plan = Plan.browse(moves.action_dunning_payment_plan()["res_id"])
    plan.action_compute_installments()
    plan.action_start()
    print(f"Plan:      {plan.partner_id.name} ({plan.name}): {plan._schedule_summary()}")


def main(env):
    company = env.ref("base.main_company")
    answer_from_the_portal(env, company)
    break_a_promise(env, company)
    plan_in_installments(env, company)
    env.cr.commit()


if __name__ == "__main__":
    # `odoo shell` executes stdin with `env` in the globals.
    main(globals()["env"])
