"""Working days: an SMS or a phone call never reaches a customer on a
weekend or a public holiday (French ones for a French company, with the two
more of Alsace-Moselle there); a level that texts or calls waits for the next
working day."""

import re
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


# Moselle, Bas-Rhin and Haut-Rhin: the first two digits of their zip codes.
ALSACE_MOSELLE_ZIP = re.compile(r"(57|67|68)\d{3}")


def french_public_holidays(year, alsace_moselle=False):
    """The eleven public holidays of metropolitan France (Code du travail,
    art. L3133-1), and in Alsace-Moselle Good Friday and 26 December too
    (art. L3134-13)."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    holidays = {date(year, month, day) for month, day in fixed} | {
        easter + timedelta(days=1),  # Easter Monday
        easter + timedelta(days=39),  # Ascension
        easter + timedelta(days=50),  # Whit Monday
    }
    if alsace_moselle:
        holidays |= {easter - timedelta(days=2), date(year, 12, 26)}  # Good Friday, St Stephen's Day
    return holidays


class ResCompany(models.Model):
    _inherit = "res.company"

    def _dunning_is_working_day(self, day):
        """Monday to Friday, and not a French public holiday for a French company."""
        self.ensure_one()
        if day.weekday() >= 5:
            return False
        return not (
            self._dunning_is_french() and day in french_public_holidays(day.year, self._dunning_is_alsace_moselle())
        )

    def _dunning_is_alsace_moselle(self):
        """Whether the company's address is in Moselle, Bas-Rhin or Haut-Rhin,
        read from its zip code: the local law applies where the company
        works, and its address is where its letters say it is."""
        self.ensure_one()
        return bool(ALSACE_MOSELLE_ZIP.fullmatch(re.sub(r"\s", "", self.zip or "")[:5]))
