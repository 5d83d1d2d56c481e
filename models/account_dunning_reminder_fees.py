"""Late fees of a reminder: computed once, frozen on its lines, optionally invoiced.

The interest of an invoice runs from the day after its due date (or after the
last day an earlier reminder charged) to the reminder date, on what was
actually owed day by day, at the rate of each half-year; the fixed recovery
indemnity is charged once per invoice.  Only professional customers owe them,
only on levels with "Apply Fees", never on a fee invoice itself.
"""

import json
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.tools import SQL

from .account_dunning_engine import pg_array
from .account_dunning_fees import interest_periods, interest_rate


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    fee_move_ids = fields.One2many("account.move", "dunning_fee_reminder_id", "Fee Invoices", readonly=True)
    has_fees = fields.Boolean(compute="_compute_has_fees")

    @api.depends("line_ids.interest_amount", "line_ids.indemnity_amount")
    def _compute_has_fees(self):
        for reminder in self:
            reminder.has_fees = any(line.interest_amount or line.indemnity_amount for line in reminder.line_ids)

    def _fee_totals_by_currency(self):
        """[(currency, interest, indemnity)] of the covered invoices."""
        self.ensure_one()
        return [
            (currency, sum(lines.mapped("interest_amount")), sum(lines.mapped("indemnity_amount")))
            for currency, lines in self.line_ids.grouped("currency_id").items()
            if any(lines.mapped("fee_amount"))
        ]

    def _grand_totals_by_currency(self, earlier=None):
        """[(currency, amount due + fees)]: what the customer is asked to pay,
        the fees claimed by earlier reminders and still owed included
        (`earlier`: their totals when the caller has them already)."""
        self.ensure_one()
        earlier = dict(self._earlier_fee_totals() if earlier is None else earlier)
        totals = [
            (
                currency,
                sum(lines.mapped("amount_residual")) + sum(lines.mapped("fee_amount")) + earlier.pop(currency, 0.0),
            )
            for currency, lines in self.line_ids.grouped("currency_id").items()
        ]
        return totals + list(earlier.items())

    @api.model
    def _is_professional(self, partner):
        """D441-5 and L441-10 apply between professionals: a company, or
        anyone with a VAT or company registration number."""
        partner = partner.commercial_partner_id
        siret = partner.siret if "siret" in partner._fields else False
        return bool(partner.is_company or partner.vat or partner.company_registry or siret)

    # ---- COMPUTE (at commit, in a fixed number of queries) ----
    def _compute_fees(self):
        """Freeze each line's late interest and indemnity, in one UPDATE.
        Returns {reminder id: why its fees cannot be computed}."""
        errors = {}
        values = self._fee_values(errors)
        if not values:
            return errors
        columns = defaultdict(list)
        for line, line_values in values.items():
            columns["id"].append(line.id)
            for name, value in line_values.items():
                columns[name].append(value)
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_dunning_reminder_line l
                   SET interest_amount = v.interest_amount, interest_rate = v.interest_rate,
                       interest_date_from = v.interest_date_from, interest_date_to = v.interest_date_to,
                       indemnity_amount = v.indemnity_amount, interest_periods = v.interest_periods
                  FROM unnest(%(id)s::int[], %(interest_amount)s::numeric[], %(interest_rate)s::numeric[],
                              %(interest_date_from)s::date[], %(interest_date_to)s::date[],
                              %(indemnity_amount)s::numeric[], %(interest_periods)s::jsonb[])
                       AS v(id, interest_amount, interest_rate, interest_date_from, interest_date_to, indemnity_amount,
                            interest_periods)
                 WHERE l.id = v.id
                """,
                **{name: pg_array(column) for name, column in columns.items() if name != "interest_periods"},
                # JSON texts hold commas and quotes: sent as a list, not as a literal.
                interest_periods=[json.dumps(periods) if periods else None for periods in columns["interest_periods"]],
            )
        )
        self.env["account.dunning.reminder.line"].browse(columns["id"]).invalidate_recordset()
        return errors

    def _fee_values(self, errors=None):
        """{line: fee field values} for the lines of self that bear fees; works
        on unsaved reminders too (the Send reminder preview).  Lines whose
        interest needs a half-year without reference rate get none, and
        `errors` ({reminder id: message}) says which rate is missing."""
        errors = {} if errors is None else errors
        reminders = self.filtered(
            lambda r: r.policy_id and r.policy_id.fee_mode != "none" and self._is_professional(r.partner_id)
        )
        # Fees only on the invoices that reached a level charging them, not
        # on every invoice of a letter sent at such a level.
        lines = reminders.line_ids.filtered(
            lambda line: line.level_id.apply_fees and not line.move_id.dunning_fee_reminder_id
        )
        if not lines:
            return {}
        charged = self._fees_charged_before(lines)
        amounts = self._fee_payment_history(lines.move_id)
        Rate = self.env["account.dunning.reference.rate"]
        timeline = Rate._timeline()
        # A kept payment plan stops the interest from the day it started.
        stops = self.env["account.dunning.payment.plan"]._interest_stops(lines.move_id)
        result = {}
        for line in lines:
            reminder, move = line.reminder_id, line.move_id
            indemnity_charged, charged_until = charged.get(move._origin.id, (False, None))
            original, payments = amounts.get(move._origin.id, (0.0, []))
            missing = line._missing_rates(charged_until, timeline)
            if missing:
                errors[reminder._origin.id or reminder.id] = _(
                    "No late-payment reference rate for the half-year starting %(date)s: add it under "
                    "Configuration > Late-Payment Reference Rates, then send the reminder again.",
                    date=fields.Date.to_string(missing[0]),
                )
                interest, rate, date_from, periods = 0.0, 0.0, None, []
            else:
                interest, rate, date_from, periods = line._late_interest(
                    original, payments, charged_until, timeline, stops.get(move._origin.id)
                )
            indemnity = 0.0
            if not indemnity_charged and reminder.policy_id.indemnity_amount:
                indemnity = reminder.company_currency_id._convert(
                    reminder.policy_id.indemnity_amount, line.currency_id, reminder.company_id, reminder.date
                )
            result[line] = {
                "interest_amount": line.currency_id.round(interest),
                "interest_rate": rate,
                "interest_date_from": date_from,
                "interest_date_to": min(reminder.date, stops.get(move._origin.id) or reminder.date)
                if date_from
                else None,
                "indemnity_amount": line.currency_id.round(indemnity),
                "interest_periods": periods,
            }
        return result

    @api.model
    def _fees_charged_before(self, lines):
        """move id -> (indemnity already charged, last day of interest already
        charged) by reminders that count, other than the ones of ``lines``."""
        self.env.cr.execute(
            SQL(
                """
                SELECT dl.move_id, bool_or(dl.indemnity_amount > 0), max(dl.interest_date_to)
                  FROM account_dunning_reminder_line dl
                  JOIN account_dunning_reminder dr ON dr.id = dl.reminder_id
                 WHERE dl.move_id IN %s AND dl.reminder_id NOT IN %s
                   AND dr.state = 'sent'
              GROUP BY dl.move_id
                """,
                tuple(lines.move_id._origin.ids),
                # Unsaved reminders (previews) have no id to leave out.
                tuple(lines.reminder_id._origin.ids) or (0,),
            )
        )
        return {move_id: (indemnity, until) for move_id, indemnity, until in self.env.cr.fetchall()}

    @api.model
    def _fee_payment_history(self, moves):
        """move id -> (amount invoiced, [(date, amount paid or credited)]), in
        the invoice currency: interest runs on what was owed each day."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT move_id, SUM(amount_currency)
                  FROM account_move_line
                 WHERE move_id IN %s AND display_type = 'payment_term'
              GROUP BY move_id
                """,
                tuple(moves._origin.ids),
            )
        )
        result = {move_id: (float(amount), []) for move_id, amount in cr.fetchall()}
        cr.execute(
            SQL(
                """
                SELECT aml.move_id, apr.max_date, SUM(apr.debit_amount_currency)
                  FROM account_partial_reconcile apr
                  JOIN account_move_line aml ON aml.id = apr.debit_move_id
                 WHERE aml.move_id IN %s AND aml.display_type = 'payment_term'
              GROUP BY aml.move_id, apr.max_date
                """,
                tuple(moves._origin.ids),
            )
        )
        for move_id, pay_date, amount in cr.fetchall():
            result[move_id][1].append((pay_date, float(amount)))
        return result

    # ---- INVOICING (policy fee mode "invoice", when the reminder goes out) ----
    def _invoice_fees(self):
        """One posted fee invoice per reminder and currency, linked to the reminder."""
        reminders = self.filtered(lambda r: r.policy_id.fee_mode == "invoice" and r.has_fees and not r.fee_move_ids)
        values = []
        for reminder in reminders:
            for currency, lines in reminder.line_ids.filtered("fee_amount").grouped("currency_id").items():
                values.append(reminder._prepare_fee_invoice_values(currency, lines))
        if values:
            self.env["account.move"].create(values).action_post()

    def _prepare_fee_invoice_values(self, currency, lines):
        self.ensure_one()
        policy = self.policy_id
        invoice_lines = []
        for line in lines:
            if line.indemnity_amount:
                invoice_lines.append(
                    self._fee_invoice_line(
                        _("Fixed recovery indemnity (art. D441-5 Code de commerce) – %s", line.move_id.name),
                        line.indemnity_amount,
                        policy.fee_indemnity_account_id,
                    )
                )
            if line.interest_amount:
                invoice_lines.append(
                    self._fee_invoice_line(
                        _(
                            "Late-payment interest on %(invoice)s from %(start)s to %(end)s",
                            invoice=line.move_id.name,
                            start=fields.Date.to_string(line.interest_date_from),
                            end=fields.Date.to_string(line.interest_date_to),
                        ),
                        line.interest_amount,
                        policy.fee_interest_account_id,
                    )
                )
        return {
            "move_type": "out_invoice",
            "journal_id": policy.fee_journal_id.id,
            "company_id": self.company_id.id,
            "partner_id": self.partner_id.id,
            "currency_id": currency.id,
            "invoice_date": self.date,
            "invoice_date_due": self.date,
            "invoice_payment_term_id": False,
            "ref": _("Late fees – reminder %s", self.reference),
            "dunning_fee_reminder_id": self.id,
            "invoice_line_ids": invoice_lines,
        }

    @api.model
    def _fee_invoice_line(self, label, amount, account):
        # No VAT: indemnity and interest are damages, outside the scope of VAT.
        return Command.create(
            {"name": label, "quantity": 1, "price_unit": amount, "account_id": account.id, "tax_ids": [Command.clear()]}
        )

    def _reverse_fee_invoices(self):
        """Credit the posted, unpaid fee invoices of cancelled reminders;
        returns them.  A fee invoice the customer already paid (even in part)
        is left as it is, with a note: waiving fees already paid means a
        refund, which the accountant decides."""
        moves = self.fee_move_ids.filtered(lambda m: m.state == "posted" and m.payment_state != "reversed")
        paid = moves.filtered(lambda m: m.payment_state != "not_paid")
        if paid:
            body = Markup("<p>%s</p>") % _(
                "The reminder was cancelled but its fee invoice %s is already paid (in full or in part): it was "
                "not reversed. Issue a credit note and a refund if the fees are waived.",
                ", ".join(paid.mapped("name")),
            )
            for reminder in paid.dunning_fee_reminder_id:
                reminder._message_log(body=body)
        moves -= paid
        if moves:
            moves._reverse_moves(
                [{"date": fields.Date.context_today(self), "ref": _("Reminder cancelled")} for _move in moves],
                cancel=True,
            )
        return moves


class AccountDunningReminderLine(models.Model):
    _inherit = "account.dunning.reminder.line"

    interest_periods = fields.Json(
        readonly=True, help="How the late interest was computed: [first day, last day, base, rate, days, interest]."
    )

    def _interest_start(self, charged_until):
        """The day interest starts from (exclusive): the due date, or the last
        day an earlier reminder charged."""
        due = self.date_due
        return max(due, charged_until) if charged_until and due else due

    def _missing_rates(self, charged_until, timeline):
        """Half-years of this line's interest period without a reference rate."""
        start, as_of = self._interest_start(charged_until), self.reminder_id.date
        if not start or start >= as_of:
            return []
        return self.env["account.dunning.reference.rate"]._missing_half_years(
            timeline, start + timedelta(days=1), as_of
        )

    def _late_interest(self, original, payments, charged_until, timeline, until=None):
        """(interest, last rate, first day charged, periods) up to the
        reminder date, each half-year at its own rate.  `periods` are the
        rows the letter prints so the customer can check them: [first day,
        last day, base, rate, days, interest] (dates as ISO strings); each
        row's interest is rounded and the total is their sum, so what the
        letter shows adds up.  `until`: the last day interest runs, if
        before the reminder date (a kept payment plan)."""
        self.ensure_one()
        policy, as_of, due = self.reminder_id.policy_id, self.reminder_id.date, self.date_due
        if until and until < as_of:
            as_of = until
        start = self._interest_start(charged_until)
        if not due or start >= as_of or original <= 0:
            return 0.0, 0.0, None, []
        windows = self.env["account.dunning.reference.rate"]._windows(timeline, start + timedelta(days=1), as_of)
        rows, rate = [], 0.0
        for first, last, reference, legal in windows:
            rate = interest_rate(reference, policy.interest_margin, legal if policy.interest_legal_floor else None)
            for period_start, period_end, base, days, amount in interest_periods(
                original, due, last, payments, rate=rate, already_charged_until=first - timedelta(days=1)
            ):
                rows.append(
                    [
                        fields.Date.to_string(period_start),
                        fields.Date.to_string(period_end),
                        base,
                        rate,
                        days,
                        self.currency_id.round(amount),
                    ]
                )
        if not windows:
            return 0.0, 0.0, None, []
        total = self.currency_id.round(sum(row[5] for row in rows))
        return total, rate, start + timedelta(days=1), rows
