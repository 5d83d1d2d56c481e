"""Late-payment fees between professionals under French law.

Pure arithmetic, no ORM: the reminder, the letter and the tests all call the
same functions, so a letter always shows what was charged.  Invalid input
raises ``ValueError`` with an English message; callers turn it into a
translated ``UserError``.

Legal basis (Code de commerce):

* L441-10: late-payment interest at the ECB main refinancing rate plus
  10 points, a contract may not set less than three times the legal rate;
* D441-5: a fixed recovery indemnity of 40 euros per late invoice.
"""

import math
from datetime import date, datetime, timedelta

from odoo.tools.float_utils import float_round

RECOVERY_INDEMNITY = 40.0
"""Fixed recovery indemnity per late invoice, in euros (D441-5)."""

LEGAL_MARGIN = 10.0
"""Points added to the ECB reference rate when the contract says nothing (L441-10)."""


def _check_amount(value, name):
    """Reject negative or non-finite numbers, which would yield negative or absurd fees."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}.")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}.")
    return float(value)


def _as_date(value, name):
    """Accept a date, a datetime (its day counts) or an ISO string, as Odoo fields may give."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"{name} must be a date, got {value!r}.") from error
    raise ValueError(f"{name} must be a date, got {value!r}.")


def round_amount(value, rounding=0.01):
    """Round a fee to the currency's step, half-up like Odoo does for amounts."""
    return float_round(value, precision_rounding=rounding)


def recovery_indemnity(invoice_count, amount=RECOVERY_INDEMNITY, is_professional=True):
    """Total fixed recovery indemnity for ``invoice_count`` late invoices.

    D441-5 grants it per invoice and only against a professional debtor;
    an individual owes none.  ``amount`` allows a higher contractual sum.
    """
    if isinstance(invoice_count, bool) or not isinstance(invoice_count, int) or invoice_count < 0:
        raise ValueError(f"invoice_count must be a non-negative whole number, got {invoice_count!r}.")
    amount = _check_amount(amount, "amount")
    if not is_professional:
        return 0.0
    return invoice_count * amount


def interest_rate(reference_rate, margin=LEGAL_MARGIN, legal_rate=None, floor_multiple=3.0):
    """Annual late-payment rate, in percent.

    L441-10: the ECB rate of the semester (``reference_rate``) plus ``margin``
    points, and never less than ``floor_multiple`` times the legal interest
    rate when ``legal_rate`` is given.  Rounded to 6 decimals only to drop
    binary float noise (2.15 + 10 must be 12.15).
    """
    rate = _check_amount(reference_rate, "reference_rate") + _check_amount(margin, "margin")
    floor_multiple = _check_amount(floor_multiple, "floor_multiple")
    if legal_rate is not None:
        rate = max(rate, floor_multiple * _check_amount(legal_rate, "legal_rate"))
    return round(rate, 6)


def _payments_by_date(payments):
    """Sum the payments of each day, so a day is a single boundary between periods."""
    totals = {}
    for entry in payments:
        try:
            pay_date, pay_amount = entry
        except (TypeError, ValueError):
            raise ValueError(f"each payment must be a (date, amount) pair, got {entry!r}.") from None
        pay_date = _as_date(pay_date, "payment date")
        totals[pay_date] = totals.get(pay_date, 0.0) + _check_amount(pay_amount, "payment amount")
    return sorted(totals.items())


def interest_periods(amount_due, due_date, as_of, payments=(), *, rate, already_charged_until=None, year_days=365):
    """Detail of the late interest: ``[(start_date, end_date, base_amount, days, interest)]``.

    Interest is simple and pro rata temporis: ``base * rate / 100 * days / year_days``.
    Days run from the day after ``due_date`` to ``as_of`` (the letter date), both
    counted, i.e. ``(as_of - due_date).days`` days; ``start_date`` and ``end_date``
    are the first and last days of a period.

    It runs on what is actually still owed: a payment stops the interest on
    its amount after its own day, payments made on or before the due date
    lower the base from the start, and payments after ``as_of`` are ignored.
    Days up to ``already_charged_until`` were billed on an earlier reminder
    and are not billed twice.  Periods with nothing owed are left out.
    Interests are not rounded: round the total, with :func:`round_amount`.
    """
    amount_due = _check_amount(amount_due, "amount_due")
    rate = _check_amount(rate, "rate")
    due_date = _as_date(due_date, "due_date")
    as_of = _as_date(as_of, "as_of")
    if isinstance(year_days, bool) or not isinstance(year_days, int) or year_days <= 0:
        raise ValueError(f"year_days must be a positive whole number, got {year_days!r}.")
    if as_of < due_date:
        raise ValueError(f"as_of ({as_of}) is before the due date ({due_date}).")
    payments = _payments_by_date(payments)

    # Interest is counted for the days after ``start``, up to ``as_of`` included.
    start = due_date
    if already_charged_until is not None:
        start = max(start, _as_date(already_charged_until, "already_charged_until"))
    if start >= as_of:
        return []

    # What is owed when the window opens, then one period per later payment day.
    # Bases are rounded to 6 decimals so that float noise (0.1 + 0.2) leaves no phantom period.
    base = round(amount_due - sum(amount for pay_date, amount in payments if pay_date <= start), 6)
    later = [(pay_date, amount) for pay_date, amount in payments if start < pay_date < as_of]
    periods = []
    cursor = start
    for end, paid in [*later, (as_of, 0.0)]:
        if base > 0:
            days = (end - cursor).days
            periods.append((cursor + timedelta(days=1), end, base, days, base * rate / 100.0 * days / year_days))
        base = round(base - paid, 6)
        cursor = end
    return periods


def late_interest(amount_due, due_date, as_of, payments=(), *, rate, already_charged_until=None, year_days=365):
    """Late interest owed on ``as_of``, unrounded: the sum of :func:`interest_periods`.

    0.0 when the invoice is not late (``as_of`` on the due date).
    """
    periods = interest_periods(
        amount_due,
        due_date,
        as_of,
        payments,
        rate=rate,
        already_charged_until=already_charged_until,
        year_days=year_days,
    )
    return float(sum(period[4] for period in periods))
