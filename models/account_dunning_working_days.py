"""Working days: an SMS or a phone call never reaches a customer on a
weekend or a public holiday (French ones for a French company); a level that
texts or calls waits for the next working day."""

from datetime import date, timedelta

from odoo import models


def easter_sunday(year):
    """Easter Sunday of `year` (Gregorian calendar, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def french_public_holidays(year):
    """The eleven public holidays of metropolitan France (Code du travail,
    art. L3133-1); Alsace-Moselle's two more are not included."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    return {date(year, month, day) for month, day in fixed} | {
        easter + timedelta(days=1),  # Easter Monday
        easter + timedelta(days=39),  # Ascension
        easter + timedelta(days=50),  # Whit Monday
    }


class ResCompany(models.Model):
    _inherit = "res.company"

    def _dunning_is_working_day(self, day):
        """Monday to Friday, and not a French public holiday for a French company."""
        self.ensure_one()
        if day.weekday() >= 5:
            return False
        return not (self._dunning_is_french() and day in french_public_holidays(day.year))
