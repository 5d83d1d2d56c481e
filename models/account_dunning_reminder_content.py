"""What a reminder letter says beyond its invoices: whole sentences, history,
deadline and ways to pay.

Sentences with values are built here with ``_()`` and named arguments so a
translator sees a whole sentence; the QWeb body only places them.  Everything
is read from the frozen reminder, in the language of the rendering context.
"""

import base64
import contextlib
import functools
from datetime import timedelta

import qrcode

from odoo import models
from odoo.tools import SQL, consteq, format_date, formatLang
from odoo.tools.misc import hmac

from .account_dunning_reminder_letter import REFERENCE_RE
from .account_dunning_wording import NO_DEADLINE_TONES

HISTORY = "account_dunning.history"  # the batch's earlier reminders, see _history_read_once
MEMO = "account_dunning.render_memo"  # what the letters of a batch read alike, see _memo


def no_break(text):
    """`text` (a phone number) that never wraps: no-break spaces and hyphens."""
    return text.replace(" ", "\u00a0").replace("-", "\u2011")


def svg_qr_code_data_uri(value):
    """A QR code of `value` as an SVG data URI, error correction M as the
    EPC guidelines ask: one path, a rectangle per run of dark modules of a
    row (the library's SVG drawer makes a square per module, through a
    drawer object per module: twice as slow and twice as large)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(value)
    code.make(fit=True)
    size = code.modules_count
    path = "".join(
        f"M{start},{y}h{length}v1h-{length}z" for y, row in enumerate(code.modules) for start, length in dark_runs(row)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><path d="{path}" fill="#000000"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def dark_runs(row):
    """[(first column, length)] of each run of dark modules of a QR code row."""
    runs, start = [], None
    for column, dark in enumerate([*row, False]):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            runs.append((start, column - start))
            start = None
    return runs


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    # ---- INVOICES BY LEVEL ----
    def _lines_at_level(self):
        """The invoices that reached the letter's level: its threats are
        about them.  All of them when none did (a letter sent by hand)."""
        self.ensure_one()
        level = self.level_id
        if not level:
            return self.line_ids
        reached = self.line_ids.filtered(
            lambda line: line.level_id and (line.level_id == level or line.level_id.days_overdue >= level.days_overdue)
        )
        return reached or self.line_ids

    def _line_groups(self):
        """[(below the level, lines)]: the invoices the letter's level is
        about, then the others, each group when not empty."""
        self.ensure_one()
        at_level = self._lines_at_level()
        return [(below, lines) for below, lines in ((False, at_level), (True, self.line_ids - at_level)) if lines]

    # ---- HISTORY ----
    @contextlib.contextmanager
    def _history_read_once(self):
        """While a batch of letters or emails is rendered, the earlier
        reminders of all of them are read in one query, not once per
        paragraph of each letter that mentions them, and so is what was sold
        on each invoice (see account.move._dunning_origin)."""
        cache = self.env.cr.cache
        if HISTORY in cache or len(self) < 2:
            yield
            return
        self.line_ids.move_id.invoice_line_ids.fetch(["display_type", "name"])
        cache[HISTORY] = self._history_rows()
        cache[MEMO] = {}
        try:
            yield
        finally:
            cache.pop(HISTORY, None)
            cache.pop(MEMO, None)

    def _memo(self, key, compute):
        """`compute()`, computed once per batch of letters or emails for the
        same `key` (see _history_read_once), else each time: what every letter
        of a batch reads alike (the company's default policy and bank
        account, formatted dates and amounts)."""
        memo = self.env.cr.cache.get(MEMO)
        if memo is None:
            return compute()
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def _history_rows(self):
        """{reminder id: [(earlier sent reminder id, its date, the ids of
        this reminder's invoices it covered)]}."""
        ids = [reminder_id for reminder_id in self.ids if reminder_id]
        rows = {reminder_id: [] for reminder_id in ids}
        if not ids:
            return rows
        self.flush_model(["state", "date", "partner_id", "company_id"])
        self.env["account.dunning.reminder.line"].flush_model(["reminder_id", "move_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT r.id, p.id, p.date, ARRAY_AGG(DISTINCT pl.move_id)
                  FROM account_dunning_reminder r
                  JOIN account_dunning_reminder_line rl ON rl.reminder_id = r.id
                  JOIN account_dunning_reminder_line pl ON pl.move_id = rl.move_id
                  JOIN account_dunning_reminder p ON p.id = pl.reminder_id
                 WHERE r.id IN %s AND p.state = 'sent' AND p.id != r.id AND p.date <= r.date
                   AND p.partner_id = r.partner_id AND p.company_id = r.company_id
              GROUP BY r.id, p.id, p.date
                """,
                tuple(ids),
            )
        )
        for reminder_id, earlier_id, date, move_ids in self.env.cr.fetchall():
            rows[reminder_id].append((earlier_id, date, frozenset(move_ids)))
        return rows

    def _previous_reminders(self, moves=None):
        """Earlier reminders that went out about these invoices (or `moves`), oldest first."""
        self.ensure_one()
        moves = (self.line_ids.move_id if moves is None else moves)._origin
        if not moves:
            return self.browse()
        rows = self.env.cr.cache.get(HISTORY, {}).get(self._origin.id)
        if rows is not None:
            wanted = set(moves.ids)
            return self.browse(
                earlier_id
                for earlier_id, _date, covered in sorted(rows, key=lambda row: (row[1], row[0]))
                if covered & wanted
            )
        return self.search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "sent"),
                # _origin: the Send Reminder preview renders an unsaved reminder.
                ("id", "!=", self._origin.id or 0),
                ("date", "<=", self.date),
                ("line_ids.move_id", "in", moves.ids),
            ],
            order="date, id",
        )

    def _previous_reminders_sentence(self):
        """Each earlier reminder once, with its date and the level it gave
        these invoices, and which of them it was about when not all."""
        self.ensure_one()
        previous = self._previous_reminders()
        if not previous:
            return ""
        _ = self.env._
        moves = self.line_ids.move_id._origin
        items = []
        for reminder in previous:
            covered = reminder.line_ids.filtered(lambda line: line.move_id in moves)
            levels = covered.level_id.sorted("days_overdue")
            values = {
                "date": format_date(self.env, reminder.date),
                "level": (levels[-1:] or reminder.level_id)._letter_title(),
                "invoices": ", ".join(covered.move_id.sorted("name").mapped("name")),
            }
            if covered.move_id == moves:
                items.append(_("%(date)s (%(level)s)", **values))
            elif len(covered.move_id) == 1:
                items.append(_("%(date)s (%(level)s, invoice %(invoices)s)", **values))
            else:
                items.append(_("%(date)s (%(level)s, invoices %(invoices)s)", **values))
        if len(previous) == 1:
            return _("Our previous reminder: %s.", items[0])
        # The separator is translated (French puts a no-break space before
        # it), inside a term with words: Odoo does not export punctuation alone.
        listed = functools.reduce(lambda done, item: _("%(listed)s; %(next)s", listed=done, next=item), items)
        return _("Our previous reminders: %s.", listed)

    # ---- DEADLINE ----
    def _payment_deadline(self):
        """Date by which payment is asked: the level's notice days after the
        letter.  None for a formal notice, whose delay runs from receipt
        (the letter states it), nor for a litigation letter."""
        self.ensure_one()
        if self.tone in NO_DEADLINE_TONES or not self.date:
            return False
        return self.date + timedelta(days=self.level_id.notice_days)

    # ---- FEES ----
    def _fees_legal_sentence(self):
        """The statutory mention, for professional customers of a policy that charges fees."""
        self.ensure_one()
        policy = self.policy_id
        if not policy or policy.fee_mode == "none" or not self._is_professional(self.partner_id):
            return ""
        return self.env._(
            "Late payment bears interest at the European Central Bank rate plus %(margin)s points, and a fixed "
            "indemnity of %(indemnity)s per invoice for recovery costs is due (French Commercial Code, "
            "articles L441-10 and D441-5).",
            margin=formatLang(self.env, policy.interest_margin, digits=0 if policy.interest_margin.is_integer() else 2),
            indemnity=self.company_currency_id.format(policy.indemnity_amount),
        )

    def _fee_rows(self):
        """The fees this letter charges, one row per interest period (base,
        rate, first and last day, days: the customer can check each) and
        per indemnity: [dict(line, label, base, rate, period, days, amount)]."""
        self.ensure_one()
        rows = []
        for line in self.line_ids.filtered("fee_amount"):
            periods = line.interest_periods or (
                [[line.interest_date_from, line.interest_date_to, None, line.interest_rate, None, line.interest_amount]]
                if line.interest_amount
                else []
            )
            for first, last, base, rate, days, amount in periods:
                rows.append(
                    {
                        "line": line,
                        "label": self.env._("Late interest"),
                        "base": base,
                        "rate": self.env._("%(rate)s%%", rate=formatLang(self.env, rate)),
                        "period": self.env._(
                            "%(start)s – %(end)s", start=format_date(self.env, first), end=format_date(self.env, last)
                        ),
                        "days": days,
                        "amount": amount,
                    }
                )
            if line.indemnity_amount:
                rows.append(
                    {
                        "line": line,
                        "label": self.env._("Fixed recovery indemnity"),
                        "base": None,
                        "rate": "",
                        "period": "",
                        "days": None,
                        "amount": line.indemnity_amount,
                    }
                )
        return rows

    def _fee_invoices_sentence(self):
        self.ensure_one()
        moves = self.fee_move_ids.filtered(lambda m: m.state == "posted")
        if not moves:
            return ""
        return self.env._("These fees are invoiced on %s.", ", ".join(moves.mapped("name")))

    # ---- HOW TO PAY ----
    def _payment_sentence(self):
        self.ensure_one()
        return self.company_id._dunning_payment_sentence(self.reference)

    def _pay_online_links(self):
        """[(invoice name, absolute portal URL)]: the customer's 'pay now' page of each invoice."""
        self.ensure_one()
        base = self.get_base_url()
        return [(move.name, base + move.get_portal_url()) for move in self.line_ids.move_id]

    def _pay_signature(self):
        """Ten letters signing the reminder's short pay-online address, from
        the database secret: short enough to type from paper, too many to guess."""
        self.ensure_one()
        # sudo: the database secret is read to sign, never shown.
        digest = hmac(self.env(su=True), "account_dunning.pay", f"{self.id}:{self.reference}")
        return base64.b32encode(bytes.fromhex(digest)).decode()[:10].lower()

    def _pay_short_url(self):
        """The pay-online address printed on the letter, to type in: 'https://…/pay/RMD000042-k3f9x2qa7m'."""
        self.ensure_one()
        return f"{self.get_base_url()}/pay/{self.reference}-{self._pay_signature()}"

    def _from_pay_code(self, reference, signature):
        """The reminder of a short pay-online address, if its signature is right."""
        if not REFERENCE_RE.fullmatch(reference):
            return self.browse()
        reminder = self.search([("reference", "=", reference), ("state", "in", ("to_send", "sent"))], limit=1)
        if not reminder or not consteq(reminder._pay_signature(), signature.lower()):
            return self.browse()
        return reminder

    def _moves_still_open(self):
        """The reminder's invoices still to pay."""
        self.ensure_one()
        return self.line_ids.move_id.filtered(
            lambda move: move.state == "posted" and move.payment_state in ("not_paid", "partial")
        )

    def _reference_url(self):
        """Where the reference printed on the letter links to: its short
        pay-online address, which carries the reference.  Cutting a batch of
        letters reads it back from each page's links, a fast and exact way to
        know where each letter starts.  Writes nothing (no portal token): a
        letter may be printed from a read-only request."""
        self.ensure_one()
        return self._pay_short_url()

    def _sepa_qr_code(self, totals=None):
        """Data URI of an EPC (SEPA credit transfer) QR code for the total to
        pay (`totals`, from _grand_totals_by_currency), when it is in euros
        to an IBAN; else False."""
        self.ensure_one()
        bank = self._bank_account()
        totals = self._grand_totals_by_currency() if totals is None else totals
        if not bank or len(totals) != 1 or totals[0][0].name != "EUR" or totals[0][1] <= 0:
            return False
        currency, amount = totals[0]
        # The EPC payload from Odoo's SEPA QR module, drawn as SVG: the same
        # code as Odoo's PNG, several times faster to make (it dominated the
        # printing of a batch of letters).
        vals = bank._build_qr_code_vals(
            currency.round(amount), self.reference, None, currency, self.partner_id, qr_method="sct_qr"
        )
        params = vals and bank._get_qr_code_generation_params(**vals)
        return svg_qr_code_data_uri(params["value"]) if params else False
