"""Before a reminder goes out: check it against the ledger and the
configuration as they are now.

A reminder can wait between the run that decided it and its sending (manual
validation, a crashed run, a failed one tried again).  Meanwhile invoices get
paid, credited, put on hold or moved to another customer.  So, just before
sending: paid or held invoices are dropped (with a note), residuals and fees
are computed again on what is still owed, a reminder with nothing left is
cancelled with that reason, and a reminder whose letter would be wrong (no
address for a letter, no bank account to pay to, no exchange rate, no
reference rate for the fees) is stopped with the reason shown to the user.
"""

from markupsafe import Markup

from odoo import _, models
from odoo.tools import SQL

from .account_dunning_level import CHANNELS
from .account_dunning_reminder import internal_change


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    def _refresh_before_dispatch(self, today):
        """Bring self (reminders about to go out) up to date as of `today`.
        Returns (reminders still to send, {reminder id: why it cannot go out})."""
        with internal_change():
            reminders = self._redate(today)
            self.env.invalidate_all()  # read the ledger as it is, not as cached
            reminders = reminders._drop_what_is_not_owed(today)
            errors = reminders._compute_fees()
            for reminder_id, message in reminders._configuration_errors().items():
                errors.setdefault(reminder_id, message)
        return reminders, errors

    # ---- DATE ----
    def _redate(self, today):
        """A reminder goes out dated the day it is sent (the letter's date,
        the fees, the intervals).  One that would be a second live reminder
        of its customer that day is cancelled instead: never twice."""
        stale = self.filtered(lambda r: r.date < today)
        if not stale:
            return self
        self.flush_model(["partner_id", "company_id", "date", "state", "override_reason"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT company_id, partner_id FROM account_dunning_reminder
                 WHERE partner_id IN %s AND date = %s AND id NOT IN %s
                   AND state NOT IN ('draft', 'cancelled', 'failed')
                """,
                tuple(stale.partner_id.ids),
                today,
                tuple(self.ids),
            )
        )
        reminded_today = set(self.env.cr.fetchall())
        duplicates = stale.filtered(lambda r: (r.company_id.id, r.partner_id.id) in reminded_today)
        for reminder in duplicates:
            reminder._set_state(
                "cancelled", _("Not sent: %s already received a reminder today.", reminder.partner_id.display_name)
            )
        (stale - duplicates).write({"date": today})
        return self - duplicates

    # ---- LEDGER ----
    def _drop_what_is_not_owed(self, today):
        """Drop the lines of invoices no longer owed or no longer to chase,
        update the others' residuals; cancel reminders left with nothing.
        Returns the reminders still to send."""
        excluded = self.filtered(lambda r: r.partner_id.commercial_partner_id.dunning_excluded)
        for reminder in excluded:
            reminder._set_state("cancelled", _("Not sent: %s is set to Do Not Dun.", reminder.partner_id.display_name))
        reminders = self - excluded
        to_drop = self.env["account.dunning.reminder.line"]
        notes = {}
        for reminder in reminders:
            changes = []
            for line in reminder.line_ids:
                reason = line._not_owed_reason(reminder, today)
                if reason:
                    to_drop |= line
                    changes.append(_("%(invoice)s removed: %(reason)s.", invoice=line.move_id.name, reason=reason))
                    continue
                changes.extend(line._update_residual(today))
            if changes:
                notes[reminder.id] = changes
        to_drop.unlink()
        empty = reminders.filtered(lambda r: not r.line_ids)
        for reminder in empty:
            reminder._set_state("cancelled", _("Not sent: nothing is owed any more on its invoices."))
        reminders -= empty
        for reminder in reminders:
            amount_due = sum(reminder.line_ids.mapped("amount_residual_company"))
            if reminder.company_currency_id.compare_amounts(amount_due, reminder.amount_due):
                reminder.amount_due = amount_due
            reminder._lower_level_to_lines()
        if notes:
            intro = _("Checked against the ledger before sending:")
            bodies = {
                reminder_id: Markup("<p>%s</p><ul>%s</ul>")
                % (intro, Markup("").join(Markup("<li>%s</li>") % change for change in changes))
                for reminder_id, changes in notes.items()
            }
            self.browse(bodies)._message_log_batch(bodies)
        return reminders

    def _lower_level_to_lines(self):
        """When the invoices that had reached the reminder's level were paid,
        the reminder speaks at the highest level its remaining invoices
        reached: no formal notice about an invoice that never got there."""
        self.ensure_one()
        levels = self.line_ids.level_id
        if not levels or self.level_id in levels or self.origin != "auto":
            return
        highest = levels.sorted("days_overdue")[-1]
        if highest.days_overdue >= self.level_id.days_overdue:
            return
        self.message_post(
            body=_(
                "Level lowered from %(old)s to %(new)s: the invoices that had reached it are no longer owed.",
                old=self.level_id.name,
                new=highest.name,
            )
        )
        self.write(
            {
                "level_id": highest.id,
                "tone": highest.tone,
                **{f"channel_{channel}": channel in highest._channels() for channel in CHANNELS},
            }
        )

    # ---- CONFIGURATION AND DATA ----
    def _configuration_errors(self):
        """{reminder id: why its letter or mail would be wrong}."""
        errors = {}
        no_bank = {company.id for company in self.company_id if not company._dunning_bank_account()}
        missing_mentions = {company.id: company._dunning_missing_mentions() for company in self.company_id}
        rateless = self._currencies_without_rate()
        for reminder in self:
            written = reminder.channel_email or reminder.channel_letter or reminder.channel_registered
            if written and reminder.company_id.id in no_bank:
                errors[reminder.id] = _(
                    "%(company)s has no bank account to be paid to: the letter could not say how to pay. "
                    "Add the bank account on the company's bank journal.",
                    company=reminder.company_id.name,
                )
                continue
            missing = missing_mentions[reminder.company_id.id]
            if missing and (reminder.channel_letter or reminder.channel_registered):
                errors[reminder.id] = _(
                    "%(company)s lacks mentions French law requires on its letters: %(missing)s. "
                    "Fill them in on the company, then send the reminder again.",
                    company=reminder.company_id.name,
                    missing=", ".join(missing),
                )
                continue
            missing = {line.currency_id for line in reminder.line_ids} & rateless.get(reminder.company_id.id, set())
            if missing:
                errors[reminder.id] = _(
                    "No exchange rate for %(currencies)s in %(company)s: its amounts cannot be converted. "
                    "Add the currency rate, then send the reminder again.",
                    currencies=", ".join(sorted(currency.name for currency in missing)),
                    company=reminder.company_id.name,
                )
        return errors

    def _currencies_without_rate(self):
        """{company id: {foreign currency without any rate for that company}}."""
        result = {}
        for company, reminders in self.grouped("company_id").items():
            foreign = reminders.line_ids.currency_id - company.currency_id
            if not foreign:
                continue
            rates = (
                self.env["res.currency.rate"]
                .sudo()
                ._read_group(
                    [("currency_id", "in", foreign.ids), ("company_id", "in", (company.root_id.id, False))],
                    ["currency_id"],
                )
            )
            with_rate = {currency for (currency,) in rates}
            missing = foreign - self.env["res.currency"].union(*with_rate)
            if missing:
                result[company.id] = set(missing)
        return result


class AccountDunningReminderLine(models.Model):
    _inherit = "account.dunning.reminder.line"

    def _not_owed_reason(self, reminder, today):
        """Why this invoice must not be in the reminder any more, or None."""
        move = self.move_id
        if move.state != "posted":
            return _("no longer posted")
        if move.payment_state == "reversed":
            return _("credited in full")
        if move._dunning_is_settled():
            return _("paid")
        if move.commercial_partner_id != reminder.partner_id.commercial_partner_id:
            return _("it now belongs to %s", move.commercial_partner_id.display_name)
        if move._dunning_on_hold(today):
            return _("put on hold")
        return None

    def _update_residual(self, today):
        """Residual and lateness as of now; a sentence per change worth noting."""
        move = self.move_id
        changes = []
        residual, residual_company = move.amount_residual, abs(move.amount_residual_signed)
        values = {"days_overdue": (today - self.date_due).days if self.date_due else 0}
        if move.currency_id.compare_amounts(residual, self.amount_residual):
            changes.append(
                _(
                    "%(invoice)s: %(new)s now due (was %(old)s).",
                    invoice=move.name,
                    new=move.currency_id.format(residual),
                    old=move.currency_id.format(self.amount_residual),
                )
            )
            values.update(amount_residual=residual, amount_residual_company=residual_company)
        if values["days_overdue"] != self.days_overdue or len(values) > 1:
            self.write(values)
        return changes
