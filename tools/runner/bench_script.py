# Executed inside `odoo shell` by bench_command.py (the shell provides `env`),
# after bench_shell_helpers.py (`result`, `progress`, `measure`).
# BENCH_MODE: setup | generate | ours | peer | race | check.  Prints one `BENCH_RESULT {json}` line.
import os
import time
from datetime import date, timedelta

from odoo.tools import SQL

MODE = os.environ["BENCH_MODE"]
INVOICES = int(os.environ.get("BENCH_INVOICES", "1000"))
PARTNERS = int(os.environ.get("BENCH_PARTNERS", "100"))
SENDS = int(os.environ.get("BENCH_SENDS", "250"))
PROFILE = os.environ.get("BENCH_PROFILE")
TODAY = date.today()
RATES = {"EUR": 1.0, "USD": 1.08, "GBP": 0.85}


def company():
    return env.ref("base.main_company")  # noqa: F821


def setup():
    """Company in EUR with the other currencies' rates (run once, empty DB)."""
    currencies = env["res.currency"].with_context(active_test=False).search([("name", "in", list(RATES))])  # noqa: F821
    currencies.active = True
    main = company()
    main.currency_id = currencies.filtered(lambda c: c.name == "EUR")
    for currency in currencies.filtered(lambda c: c.name != "EUR"):
        env["res.currency.rate"].create(  # noqa: F821
            {"currency_id": currency.id, "name": TODAY - timedelta(days=400), "rate": RATES[currency.name]}
        )
    # Letters say how to pay.
    env["res.partner.bank"].create({"partner_id": main.partner_id.id, "acc_number": "FR7630006000011234567890189"})  # noqa: F821
    env.cr.commit()  # noqa: F821
    result(mode="setup")


def generate():
    """A receivables book written with a few set-based INSERTs."""
    cr = env.cr  # noqa: F821
    main = company()
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", main.id)], limit=1)  # noqa: F821
    receivable = env["account.account"].search(  # noqa: F821
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", main.id)], limit=1
    )
    revenue = env["account.account"].search(  # noqa: F821
        [("account_type", "=", "income"), ("company_ids", "in", main.id)], limit=1
    )
    currency_ids = {c.name: c.id for c in env["res.currency"].search([("name", "in", list(RATES))])}  # noqa: F821
    start = time.perf_counter()
    progress("0/4", f"{PARTNERS} customers")
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (name, complete_name, is_company, active, email, type, lang, company_id,
                                     street, zip, city, autopost_bills, create_date, write_date)
            SELECT 'Bench customer ' || g, 'Bench customer ' || g, true, true, 'c' || g || '@bench.example',
                   'contact', 'en_US', NULL, g || ' rue de la Bourse', '69002', 'Lyon', 'ask', now(), now()
              FROM generate_series(1, %s) g
            RETURNING id
            """,
            PARTNERS,
        )
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", partner_ids))
    progress("1/4", f"{INVOICES} invoices")
    # Invoice g: partner g % M, due 1..150 days ago (1 in 11 not due yet), one in
    # five in USD or GBP, one in seven partly paid.
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bench_inv AS
            SELECT g,
                   (%(partners)s::int[])[1 + mod(g, %(n_partners)s)] AS partner_id,
                   CASE WHEN mod(g, 11) = 0 THEN %(today)s::date + (mod(g, 30))
                        ELSE %(today)s::date - (1 + mod(g, 150)) END AS due,
                   CASE mod(g, 5) WHEN 1 THEN 'USD' WHEN 2 THEN 'GBP' ELSE 'EUR' END AS cur,
                   round((100 + mod(g * 37, 4900))::numeric, 2) AS amount,
                   CASE WHEN mod(g, 7) = 0 THEN 0.4 ELSE 1.0 END AS left_ratio
              FROM generate_series(1, %(n)s) g
            """,
            partners=partner_ids,
            n_partners=len(partner_ids),
            today=TODAY,
            n=INVOICES,
        )
    )
    rate_case = SQL("CASE cur WHEN 'USD' THEN %s WHEN 'GBP' THEN %s ELSE 1.0 END", RATES["USD"], RATES["GBP"])
    cur_case = SQL(
        "CASE cur WHEN 'USD' THEN %s WHEN 'GBP' THEN %s ELSE %s END",
        currency_ids["USD"],
        currency_ids["GBP"],
        currency_ids["EUR"],
    )
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bench_move AS
            WITH ins AS (
                INSERT INTO account_move (name, journal_id, company_id, currency_id, state, move_type, auto_post,
                    date, invoice_date, invoice_date_due, partner_id, commercial_partner_id, amount_untaxed,
                    amount_tax, amount_total, amount_residual, amount_untaxed_signed, amount_total_signed,
                    amount_residual_signed, payment_state, invoice_partner_display_name, is_move_sent, create_date,
                    write_date)
                SELECT 'INV/BENCH/' || lpad(g::text, 7, '0'), %(journal)s, %(company)s, %(cur_case)s, 'posted',
                       'out_invoice', 'no', due - 30, due - 30, due, partner_id, partner_id, amount, 0, amount,
                       round(amount * left_ratio, 2), round(amount / %(rate_case)s, 2),
                       round(amount / %(rate_case)s, 2), round(amount * left_ratio / %(rate_case)s, 2),
                       CASE WHEN left_ratio < 1 THEN 'partial' ELSE 'not_paid' END, 'Bench', TRUE, now(), now()
                  FROM bench_inv ORDER BY g
                RETURNING id, name
            )
            SELECT ins.id, i.* FROM ins JOIN bench_inv i ON ins.name = 'INV/BENCH/' || lpad(i.g::text, 7, '0')
            """,
            journal=journal.id,
            company=main.id,
            cur_case=cur_case,
            rate_case=rate_case,
        )
    )
    common = SQL(
        """
        id, %(journal)s, %(company)s, %(cur_case)s, %(eur)s, due - 30, partner_id, 'posted',
        'INV/BENCH/' || lpad(g::text, 7, '0')
        """,
        journal=journal.id,
        company=main.id,
        cur_case=cur_case,
        eur=currency_ids["EUR"],
    )
    progress("2/4", f"{2 * INVOICES} journal items")
    cr.execute(
        SQL(
            """
            INSERT INTO account_move_line (move_id, journal_id, company_id, currency_id, company_currency_id, date,
                partner_id, parent_state, move_name, account_id, display_type, name, date_maturity,
                debit, credit, balance, amount_currency, amount_residual, amount_residual_currency, reconciled,
                create_date, write_date)
            SELECT %(common)s, %(receivable)s, 'payment_term', 'INV/BENCH/' || g, due,
                   round(amount / %(rate_case)s, 2), 0, round(amount / %(rate_case)s, 2), amount,
                   round(amount * left_ratio / %(rate_case)s, 2), round(amount * left_ratio, 2), false, now(), now()
              FROM bench_move
            UNION ALL
            SELECT %(common)s, %(revenue)s, 'product', 'Bench services', NULL,
                   0, round(amount / %(rate_case)s, 2), -round(amount / %(rate_case)s, 2), -amount,
                   0, 0, false, now(), now()
              FROM bench_move
            """,
            common=common,
            receivable=receivable.id,
            revenue=revenue.id,
            rate_case=rate_case,
        )
    )
    progress("3/4", "table statistics")
    cr.execute("ANALYZE account_move, account_move_line, res_partner")
    cr.commit()
    cr.execute("SELECT count(*) FROM bench_inv WHERE mod(g, 11) != 0")
    overdue = cr.fetchone()[0]
    result(
        mode="generate",
        seconds=round(time.perf_counter() - start, 2),
        invoices=INVOICES,
        partners=PARTNERS,
        overdue_invoices=overdue,
    )


PROFILERS = {}


def profiled(step, function):
    """`function`, profiled when BENCH_PROFILE names the step (run: select,
    plan and create; letters, email_letter, email: sending) or is 1 (run);
    calls of one step add up (see print_profiles)."""
    if PROFILE not in ({step, "1"} if step == "run" else {step}):
        return function

    def wrapper():
        import cProfile

        profiler = PROFILERS.setdefault(step, cProfile.Profile())
        return profiler.runcall(function)

    return wrapper


def print_profiles():
    import pstats

    for profiler in PROFILERS.values():
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "40")))
        if os.environ.get("BENCH_PROFILE_CALLERS"):
            stats.print_callers(os.environ["BENCH_PROFILE_CALLERS"])
        if os.environ.get("BENCH_PROFILE_CALLEES"):
            stats.print_callees(os.environ["BENCH_PROFILE_CALLEES"])


# Sending, measured on disjoint samples of the same run's reminders: the
# channel steps of `_dispatch` (letters rendered and attached, emails queued)
# through the channels given here, after what the dispatch prepares for every
# channel (contact, fee invoices, portal tokens), which is not timed.  The
# steps take turns in ROUNDS rounds, each round in another order, so that
# what slows the machine for a while weighs on all of them alike.
SENDING = {
    "letters": {"channel_letter": True},
    "email_letter": {"channel_email": True, "channel_letter": True},
    "email": {"channel_email": True},
}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
NO_CHANNEL = dict.fromkeys(
    ("channel_email", "channel_letter", "channel_registered", "channel_sms", "channel_phone"), False
)


def send(reminders, channels):
    """Seconds taken to send `reminders` through `channels`."""
    reminders.write(NO_CHANNEL | channels)
    for reminder in reminders:
        reminder.contact_id = reminder.partner_id.address_get(["invoice"])["invoice"]
    reminders._invoice_fees()
    reminders.line_ids.move_id._dunning_ensure_portal_tokens()
    env.cr.commit()  # noqa: F821

    def channel_steps():
        if channels.get("channel_letter"):
            reminders._dispatch_letters()
        if channels.get("channel_email"):
            reminders._dispatch_emails()

    _value, seconds, _queries = measure(channel_steps)
    env.cr.commit()  # noqa: F821
    return seconds


def sending(reminders):
    """(reminders per step, {step: reminders/s}) for letters only, email with
    the letter PDF, email only."""
    ready = reminders.filtered(lambda r: r.state == "to_send")
    warm_up, ready = ready[:5], ready[5:]
    send(warm_up, SENDING["email_letter"])  # templates compiled, wkhtmltopdf started once
    chunk = max(1, min(SENDS, len(ready) // len(SENDING)) // ROUNDS)
    steps = list(SENDING)
    sent, seconds = dict.fromkeys(steps, 0), dict.fromkeys(steps, 0.0)
    for turn in range(ROUNDS):
        progress(f"{turn + 1}/{ROUNDS + 1}", f"sending {chunk} reminders per step, round {turn + 1}/{ROUNDS}")
        for step in steps[turn % len(steps) :] + steps[: turn % len(steps)]:
            sample, ready = ready[:chunk], ready[chunk:]
            seconds[step] += profiled(step, lambda sample=sample, step=step: send(sample, SENDING[step]))()
            sent[step] += len(sample)
    print_profiles()
    return chunk * ROUNDS, {step: round(sent[step] / seconds[step], 1) for step in steps}


def ours():
    engine = env["account.dunning.engine"]  # noqa: F821
    main = company()
    progress(f"0/{ROUNDS + 1}", "dunning run")
    (reminders, stats), seconds, queries = measure(
        profiled("run", lambda: engine._run(main, today=TODAY, dispatch=False))
    )
    env.cr.execute("SELECT count(*) FROM account_dunning_reminder_line")  # noqa: F821
    lines = env.cr.fetchone()[0]  # noqa: F821
    env.cr.commit()  # noqa: F821
    size, rates = sending(reminders)
    result(
        mode="ours",
        seconds=round(seconds, 3),
        queries=queries,
        reminders=len(reminders),
        lines=lines,
        stats=stats,
        sent_per_step=size,
        mails=env["mail.mail"].search_count([("model", "=", "account.dunning.reminder")]),  # noqa: F821
        letters_per_s=rates["letters"],
        email_letter_per_s=rates["email_letter"],
        email_per_s=rates["email"],
    )


def peer():
    main = company()
    policy = env.ref("account_credit_control.credit_control_3_time")  # noqa: F821
    receivable = env["account.account"].search(  # noqa: F821
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", main.id)]
    )
    policy.account_ids = [(6, 0, receivable.ids)]
    main.credit_policy_id = policy
    run = env["credit.control.run"].create({"date": TODAY, "policy_ids": [(6, 0, policy.ids)]})  # noqa: F821
    env.cr.commit()  # noqa: F821
    _value, seconds, queries = measure(run.generate_credit_lines)
    lines = env["credit.control.line"].search_count([])  # noqa: F821
    env.cr.commit()  # noqa: F821
    result(mode="peer", seconds=round(seconds, 3), queries=queries, lines=lines)


def race():
    """One of several processes running the same day's dunning at once."""
    engine = env["account.dunning.engine"]  # noqa: F821
    (reminders, stats), seconds, _queries = measure(
        lambda: engine._run(company(), today=TODAY, dispatch=False, auto_commit=True)
    )
    result(mode="race", seconds=round(seconds, 3), reminders=len(reminders), stats=stats)


def check():
    """After a race: reminders per customer and day must be unique."""
    env.cr.execute(  # noqa: F821
        """
        SELECT count(*), count(DISTINCT partner_id),
               (SELECT count(*) FROM (SELECT partner_id FROM account_dunning_reminder
                                       GROUP BY partner_id, date HAVING count(*) > 1) d),
               (SELECT count(DISTINCT m.commercial_partner_id) FROM account_move m
                 WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
                   AND m.invoice_date_due < %s AND m.amount_residual > 0)
          FROM account_dunning_reminder
        """,
        [TODAY],
    )
    total, partners, duplicates, overdue_partners = env.cr.fetchone()  # noqa: F821
    result(mode="check", reminders=total, partners=partners, duplicates=duplicates, overdue_partners=overdue_partners)


{"setup": setup, "generate": generate, "ours": ours, "peer": peer, "race": race, "check": check}[MODE]()
