from bisect import bisect_right

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


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

    @api.constrains("reference_rate", "legal_rate")
    def _check_rates(self):
        for rate in self:
            if rate.reference_rate < 0 or rate.legal_rate < 0:
                raise ValidationError(_("A reference rate cannot be negative."))

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
