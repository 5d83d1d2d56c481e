from bisect import bisect_right

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Plausible bounds (percent a year): a typing error must not reach a letter.
MIN_RATE, MAX_RATE = -5.0, 30.0


class AccountDunningReferenceRate(models.Model):
    """The ECB rate and the legal interest rate of each half-year.

    French law (L441-10) takes the ECB main refinancing rate in force on
    1 January for the first half-year and on 1 July for the second; the
    legal rate is published each half-year as well.  Users add a row when a
    new half-year starts; late interest of a period uses the row in force."""

    _name = "account.dunning.reference.rate"
    _description = "Late-Payment Reference Rate"
    _order = "date_start desc"

    name = fields.Char(compute="_compute_name")
    date_start = fields.Date("Valid From", required=True, help="First day the rates apply (1 January or 1 July).")
    reference_rate = fields.Float(
        "ECB Rate (%)", digits=(6, 3), required=True, help="ECB main refinancing rate in force on the first day."
    )
    legal_rate = fields.Float(
        "Legal Interest Rate (%)",
        digits=(6, 3),
        help="Legal interest rate for professional creditors; late interest is never below three times it.",
    )

    _sql_constraints = [
        ("date_start_unique", "UNIQUE(date_start)", "There is already a reference rate for this date."),
    ]

    @api.depends("date_start")
    def _compute_name(self):
        for rate in self:
            rate.name = _("Rates from %s", fields.Date.to_string(rate.date_start)) if rate.date_start else False

    @api.constrains("reference_rate", "legal_rate", "date_start")
    def _check_rates(self):
        for rate in self:
            if not (MIN_RATE <= rate.reference_rate <= MAX_RATE) or not (0 <= rate.legal_rate <= MAX_RATE):
                raise ValidationError(
                    _(
                        "Rates from %(date)s: the ECB rate must be between %(low)s %% and %(high)s %%, and the "
                        "legal rate between 0 %% and %(high)s %%.",
                        date=fields.Date.to_string(rate.date_start),
                        low=MIN_RATE,
                        high=MAX_RATE,
                    )
                )
            if (rate.date_start.month, rate.date_start.day) not in ((1, 1), (7, 1)):
                raise ValidationError(
                    _(
                        "Rates apply per half-year (L441-10): start them on 1 January or 1 July, not on %s.",
                        fields.Date.to_string(rate.date_start),
                    )
                )

    @staticmethod
    def _half_year_start(day):
        return day.replace(month=1 if day.month < 7 else 7, day=1)

    @classmethod
    def _missing_half_years(cls, timeline, date_from, date_to):
        """Half-years (their first day) between the two dates with no row of
        their own: the interest of those days cannot be computed."""
        starts = {row[0] for row in timeline}
        missing, cursor = [], cls._half_year_start(date_from)
        while cursor <= date_to:
            if cursor not in starts:
                missing.append(cursor)
            cursor = cursor.replace(month=7) if cursor.month == 1 else cursor.replace(year=cursor.year + 1, month=1)
        return missing

    @api.model
    def _timeline(self):
        """[(date_start, reference_rate, legal_rate or None)] oldest first:
        read once per run, then looked up in memory for every invoice."""
        rates = self.search_fetch([], ["date_start", "reference_rate", "legal_rate"], order="date_start")
        return [(r.date_start, r.reference_rate, r.legal_rate or None) for r in rates]

    @staticmethod
    def _windows(timeline, date_from, date_to):
        """Split [date_from, date_to] into [(first_day, last_day, reference, legal)]
        along the half-years of ``timeline``: each period pays its own rate.
        Days before the first known rate take the first one."""
        if not timeline or date_to < date_from:
            return []
        starts = [row[0] for row in timeline]
        index = max(bisect_right(starts, date_from) - 1, 0)
        windows = []
        cursor = date_from
        while cursor <= date_to:
            next_start = starts[index + 1] if index + 1 < len(starts) else None
            last = date_to if next_start is None or next_start > date_to else fields.Date.subtract(next_start, days=1)
            windows.append((cursor, last, timeline[index][1], timeline[index][2]))
            cursor = fields.Date.add(last, days=1)
            index += 1
        return windows
