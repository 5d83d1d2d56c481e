# Executed inside `odoo shell` by bench_command.py (`dunning bench --outcomes`) on
# a generated book (bench_script.py, mode generate).  Sends its overdue invoices
# two levels of reminders and reconciles payments, all in set-based SQL, then
# times the outcome refresh: the first, full computation, then nights.
# Prints one `BENCH_RESULT {json}` line (helpers: bench_shell_helpers.py).
import os
from datetime import date, timedelta

from odoo.tools import SQL

TODAY = date.today()


def explained(function):
    """`function`, with the plan of the outcome measure written to the file
    named by BENCH_EXPLAIN (EXPLAIN ANALYZE, run once more before the real one)."""
    target = os.environ.get("BENCH_EXPLAIN")
    if not target:
        return function
    cr = env.cr  # noqa: F821
    execute = cr.execute

    def execute_explained(query, params=None, log_exceptions=True):
        if "WITH cand AS" in str(getattr(query, "code", query)):
            # Undone afterwards: the statement then runs for real.
            execute("SAVEPOINT bench_explain")
            execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query))
            with open(target, "a", encoding="utf-8") as plan:
                plan.write("\n".join(row[0] for row in cr.fetchall()) + "\n\n")
            execute("ROLLBACK TO SAVEPOINT bench_explain")
        return execute(query, params, log_exceptions)

    def wrapper():
        cr.execute = execute_explained
        try:
            return function()
        finally:
            cr.execute = execute

    return wrapper


def reminders(cr, company, policy):
    """Level 1 the day after the due date, level 2 fifteen days later (when
    that day has come), one reminder per customer and day."""
    level_1, level_2 = policy.level_ids.sorted("days_overdue")[:2]
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bo_plan AS
            SELECT m.id AS move_id, m.commercial_partner_id AS partner_id, m.invoice_date_due AS due,
                   m.amount_residual AS residual, m.amount_residual_signed AS residual_company,
                   lv.id AS level_id, m.invoice_date_due + lv.days_overdue AS day
              FROM account_move m
              JOIN account_dunning_level lv ON lv.id IN %(levels)s
             WHERE m.name LIKE %(pattern)s AND m.invoice_date_due + lv.days_overdue <= %(today)s
            """,
            levels=(level_1.id, level_2.id),
            today=TODAY,
            pattern="INV/BENCH/%",
        )
    )
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bo_reminder AS
            WITH ins AS (
                INSERT INTO account_dunning_reminder (company_id, partner_id, policy_id, level_id, tone, date, origin,
                                                      state, channel_email, amount_due, create_date, write_date)
                SELECT %(company)s, partner_id, %(policy)s, MAX(level_id), 'courteous', day, 'auto', 'sent', TRUE,
                       SUM(residual_company), now(), now()
                  FROM bo_plan GROUP BY partner_id, day
             RETURNING id, partner_id, date
            )
            SELECT * FROM ins
            """,
            company=company.id,
            policy=policy.id,
        )
    )
    cr.execute(
        """
        INSERT INTO account_dunning_reminder_line (reminder_id, move_id, level_id, date_due, days_overdue,
                                                   amount_residual, amount_residual_company)
        SELECT r.id, p.move_id, p.level_id, p.due, p.day - p.due, p.residual, p.residual_company
          FROM bo_plan p JOIN bo_reminder r ON r.partner_id = p.partner_id AND r.date = p.day
        """
    )
    return cr.rowcount


def payments(cr, company, move_filter, pay_day):
    """One posted payment entry with a credit line per invoice chosen by
    `move_filter` (SQL on the receivable line `l`), reconciled at `pay_day`
    (SQL on the invoice's first reminder day `first`), as partials; returns
    the invoices paid."""
    journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)  # noqa: F821
    cr.execute(
        SQL(
            """
            INSERT INTO account_move (name, journal_id, company_id, currency_id, state, move_type, auto_post, date,
                                      create_date, write_date)
            VALUES ('PAY/BENCH/' || nextval('account_move_id_seq'), %s, %s, %s, 'posted', 'entry', 'no', %s,
                    now(), now())
            RETURNING id
            """,
            journal.id,
            company.id,
            company.currency_id.id,
            TODAY,
        )
    )
    payment_id = cr.fetchone()[0]
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bo_pay AS
            SELECT l.id AS debit_id, l.move_id, l.account_id, l.partner_id, l.currency_id, l.company_currency_id,
                   ROUND(l.amount_residual * CASE WHEN mod(l.move_id, 10) = 6 THEN 0.5 ELSE 1 END, 2) AS amount,
                   ROUND(l.amount_residual_currency * CASE WHEN mod(l.move_id, 10) = 6 THEN 0.5 ELSE 1 END, 2)
                       AS amount_currency,
                   LEAST(%(pay_day)s, %(today)s) AS day
              FROM account_move_line l
              JOIN (SELECT move_id, MIN(date) AS first FROM account_dunning_reminder_line dl
                      JOIN account_dunning_reminder r ON r.id = dl.reminder_id GROUP BY move_id) f
                ON f.move_id = l.move_id
             WHERE l.display_type = 'payment_term' AND %(filter)s
            """,
            pay_day=pay_day,
            today=TODAY + timedelta(days=2),
            filter=move_filter,
        )
    )
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bo_credit AS
            WITH ins AS (
                INSERT INTO account_move_line (move_id, journal_id, company_id, currency_id, company_currency_id,
                    date, partner_id, parent_state, move_name, account_id, display_type, name, debit, credit, balance,
                    amount_currency, amount_residual, amount_residual_currency, reconciled, create_date, write_date)
                SELECT %(payment)s, %(journal)s, %(company)s, currency_id, company_currency_id, day, partner_id,
                       'posted', 'PAY/BENCH', account_id, 'product', 'Bench payment ' || debit_id, 0, amount, -amount,
                       -amount_currency, 0, 0, TRUE, now(), now()
                  FROM bo_pay
             RETURNING id, name
            )
            SELECT ins.id AS credit_id, p.* FROM ins JOIN bo_pay p ON ins.name = 'Bench payment ' || p.debit_id
            """,
            payment=payment_id,
            journal=journal.id,
            company=company.id,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO account_partial_reconcile (debit_move_id, credit_move_id, amount, debit_amount_currency,
                credit_amount_currency, debit_currency_id, credit_currency_id, company_id, max_date, create_date,
                write_date)
            SELECT debit_id, credit_id, amount, amount_currency, amount_currency, currency_id, currency_id, %s, day,
                   now(), now()
              FROM bo_credit
         RETURNING debit_move_id
            """,
            company.id,
        )
    )
    cr.execute("SELECT DISTINCT move_id FROM bo_credit")
    paid = [row[0] for row in cr.fetchall()]
    cr.execute("DROP TABLE bo_pay, bo_credit")
    return paid


def outcomes():
    cr = env.cr  # noqa: F821
    company = env.ref("base.main_company")  # noqa: F821
    Outcome = env["account.dunning.outcome"]  # noqa: F821
    policy = env["account.dunning.policy"]._default_for_company(company)  # noqa: F821
    progress("0/6", "reminders")
    lines = reminders(cr, company, policy)
    progress("1/6", "payments")
    # Six invoices in ten paid (one of them half), 0 to 39 days after their first reminder.
    paid = payments(cr, company, SQL("mod(l.move_id, 10) <= 6"), SQL("f.first + mod(l.move_id * 7, 40)"))
    cr.execute("ANALYZE account_dunning_reminder, account_dunning_reminder_line, account_partial_reconcile")
    cr.commit()
    progress("2/6", f"full refresh of {lines} reminder lines")
    full, full_s, full_q = measure(explained(lambda: Outcome._refresh(TODAY, full=True)))
    cr.commit()
    cr.execute("ANALYZE account_dunning_outcome")
    cr.commit()
    progress("3/6", "a night without payment")
    quiet, quiet_s, quiet_q = measure(explained(lambda: Outcome._refresh(TODAY + timedelta(days=1))))
    cr.commit()
    progress("4/6", "a night when 1 % of the invoices are paid")
    # Reconciled through SQL: mark them as the reconciliation's ORM hook does.
    night_paid = payments(cr, company, SQL("mod(l.move_id, 100) = 8"), TODAY + timedelta(days=1))
    Outcome._mark_changed(night_paid)
    cr.commit()
    night, night_s, night_q = measure(lambda: Outcome._refresh(TODAY + timedelta(days=2)))
    cr.commit()
    again, again_s, again_q = measure(lambda: Outcome._refresh(TODAY + timedelta(days=2)))
    cr.commit()
    progress("5/6", "analytics")
    day = TODAY + timedelta(days=2)
    _rows, dso_s, dso_q = measure(lambda: env["account.dunning.dso"]._refresh(day, company))  # noqa: F821
    _rows, risk_s, risk_q = measure(lambda: env["account.dunning.partner.risk"]._refresh(company, day))  # noqa: F821
    by_level, analysis_s, analysis_q = measure(
        lambda: env["account.dunning.recovery.analysis"]._read_group(  # noqa: F821
            [], ["level_id"], ["reminded_count:sum", "paid_count:sum", "amount_recovered:sum"]
        )
    )
    cr.execute("SELECT COUNT(*), COUNT(*) FILTER (WHERE paid_in_window) FROM account_dunning_outcome")
    total, paid_in_window = cr.fetchone()
    result(
        mode="outcomes",
        lines=lines,
        invoices_paid=len(paid),
        outcomes=total,
        paid_in_window=paid_in_window,
        full={"seconds": round(full_s, 3), "queries": full_q, **full},
        quiet_night={"seconds": round(quiet_s, 3), "queries": quiet_q, **quiet},
        night_with_payments={"seconds": round(night_s, 3), "queries": night_q, "payments": len(night_paid), **night},
        same_night_again={"seconds": round(again_s, 3), "queries": again_q, **again},
        analytics={
            "DSO, 24 months": {"seconds": round(dso_s, 3), "queries": dso_q},
            "payment risk of every customer": {"seconds": round(risk_s, 3), "queries": risk_q},
            f"recovery analysis by level ({len(by_level)} rows)": {
                "seconds": round(analysis_s, 3),
                "queries": analysis_q,
            },
        },
    )


outcomes()
