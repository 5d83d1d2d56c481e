"""What a customer answers to a reminder, from the page behind the letter's
pay-online address (or on the phone, see account_dunning_reminder_call.py).

I have already paid, I dispute this invoice, I will pay by this date, I ask
for a payment plan: each answer holds the invoices it is about as a credit
controller would (a few days to check a payment or a plan request, through
the promised date, until a dispute is settled), gives the responsible a
to-do, and is logged on the reminder and the customer (a dispute also on the
invoice).  A promise is checked the night after its date: kept or broken.
The customer is not logged in: the page is reached by the signed address of
the letter (see controllers/pay.py), which expires with the policy's delay.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date
from odoo.tools.mimetypes import guess_mimetype

ANSWER_KINDS = [
    ("paid", "Already paid"),
    ("dispute", "Dispute"),
    ("promise", "Promise to pay"),
    ("plan", "Payment plan asked"),
]
PLAN_STATES = [("asked", "Asked"), ("accepted", "Accepted"), ("refused", "Refused")]
PROMISE_STATES = [("open", "Awaited"), ("kept", "Kept"), ("broken", "Broken")]
ANSWER_CHANNELS = [("portal", "Pay-online page"), ("phone", "Phone call")]
# A proof or a document of a dispute: a scan, a photo, a PDF.
MAX_ANSWER_FILE = 10 * 1024 * 1024
# The page is public to whoever holds the letter: a bounded number of answers
# per reminder keeps a leaked address from flooding the credit department.
MAX_ANSWERS = 20
MAX_REASON = 200
MAX_MESSAGE = 4000


class AccountDunningAnswer(models.Model):
    _name = "account.dunning.answer"
    _description = "Customer Answer to a Reminder"
    _order = "id desc"

    reminder_id = fields.Many2one(
        "account.dunning.reminder", "Reminder", required=True, readonly=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(related="reminder_id.partner_id", store=True, string="Customer")
    company_id = fields.Many2one(related="reminder_id.company_id", store=True)
    kind = fields.Selection(ANSWER_KINDS, "Answer", required=True, readonly=True)
    channel = fields.Selection(ANSWER_CHANNELS, required=True, default="portal", readonly=True)
    move_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    paid_date = fields.Date("Paid On", readonly=True)
    paid_amount = fields.Monetary("Amount Paid", readonly=True)
    promise_date = fields.Date("Promised Date", readonly=True)
    promise_state = fields.Selection(PROMISE_STATES, "Promise", readonly=True, index=True)
    installments = fields.Integer(readonly=True)
    plan_state = fields.Selection(PLAN_STATES, "Plan", readonly=True)
    reason = fields.Char(readonly=True)
    message = fields.Text(readonly=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Documents", readonly=True)
    # The responsible's to-do: while it is open, a dispute stops the chasing.
    activity_id = fields.Many2one("mail.activity", "To-Do", readonly=True, ondelete="set null")

    @api.depends("kind", "reminder_id")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for answer in self:
            answer.display_name = f"{answer.reminder_id.reference} – {labels.get(answer.kind, '')}"

    # ---- WHAT THE CUSTOMER SEES ----
    def _summary(self):
        """One sentence saying the answer back to the customer (and the user)."""
        self.ensure_one()
        invoices = ", ".join(self.move_ids.mapped("name"))
        if self.kind == "paid":
            return _(
                "Paid on %(date)s: %(amount)s (%(invoices)s).",
                date=format_date(self.env, self.paid_date),
                amount=self.currency_id.format(self.paid_amount),
                invoices=invoices,
            )
        if self.kind == "dispute":
            return _("Dispute of %(invoices)s: %(reason)s.", invoices=invoices, reason=self.reason)
        if self.kind == "promise":
            return _(
                "Promise to pay %(invoices)s by %(date)s.",
                invoices=invoices,
                date=format_date(self.env, self.promise_date),
            )
        state = dict(self._fields["plan_state"]._description_selection(self.env)).get(self.plan_state, "")
        return _(
            "Payment plan in %(count)s installments asked for %(invoices)s (%(state)s).",
            count=self.installments,
            invoices=invoices,
            state=state.lower(),
        )

    # ---- PROMISES, KEPT OR BROKEN ----
    @api.model
    def _check_promises(self, today):
        """The night after a promised date: kept when its invoices are paid,
        else broken (its hold ends with the date; the next reminder says so).
        Logged on the reminder and the customer, in the company's language."""
        due = self.search([("promise_state", "=", "open"), ("promise_date", "<", today)])
        for answer in due:
            company = answer.company_id
            answer = answer.with_company(company).with_context(lang=company.partner_id.lang or self.env.lang)
            unpaid = answer.reminder_id._open_invoices() & answer.move_ids
            answer.promise_state = "broken" if unpaid else "kept"
            values = {
                "invoices": ", ".join((unpaid or answer.move_ids).mapped("name")),
                "date": format_date(answer.env, answer.promise_date),
            }
            text = (
                answer.env._("Promise not kept: %(invoices)s were to be paid by %(date)s.", **values)
                if unpaid
                else answer.env._("Promise kept: %(invoices)s paid by %(date)s.", **values)
            )
            body = Markup("<p>%s</p>") % text
            answer.reminder_id.message_post(body=body, subtype_xmlid="mail.mt_note")
            answer.partner_id.message_post(body=body, subtype_xmlid="mail.mt_note")
        return due

    # ---- A PLAN ASKED FOR ----
    def action_accept_plan(self):
        """The responsible agrees to the plan: its invoices stay on hold as
        under a payment plan until the plan is recorded and followed."""
        self._decide_plan("accepted")
        self.move_ids._dunning_put_on_hold("payment_plan", note=_("Payment plan accepted."))

    def action_refuse_plan(self):
        """No plan: the invoices go back to dunning."""
        self._decide_plan("refused")
        self.move_ids.filtered(lambda move: move.dunning_block_reason == "payment_plan")._dunning_release_hold()

    def _decide_plan(self, state):
        for answer in self:
            if answer.kind != "plan" or answer.plan_state != "asked":
                raise UserError(_("Only a payment plan still asked for can be accepted or refused."))
            answer.plan_state = state
            label = _("accepted") if state == "accepted" else _("refused")
            answer.reminder_id.message_post(
                body=Markup("<p>%s</p>") % _("Payment plan %(state)s: %(plan)s", state=label, plan=answer._summary()),
                subtype_xmlid="mail.mt_note",
            )


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    answer_ids = fields.One2many("account.dunning.answer", "reminder_id", "Customer Answers", readonly=True)
    pay_url = fields.Char(
        "Pay-Online Address",
        compute="_compute_pay_url",
        help="The address printed on the letter, where the customer pays and answers: to read it to the customer "
        "on the phone.",
    )

    @api.depends("reference", "state")
    def _compute_pay_url(self):
        for reminder in self:
            live = reminder.id and reminder.state in ("to_send", "sent")
            reminder.pay_url = reminder._pay_short_url() if live else False

    def _answer_policy(self):
        """The policy whose limits apply to the customer's answers."""
        self.ensure_one()
        return self.policy_id or self._default_policy()

    def _broken_promises_sentence(self):
        """The promises to pay the customer broke since its previous
        reminder: the next letter says so, once."""
        self.ensure_one()
        company = self.company_id
        Answer = self.env["account.dunning.answer"].sudo()
        breakers = self._memo(
            ("broken_promises", company.id),
            lambda: set(
                Answer.search([("company_id", "=", company.id), ("promise_state", "=", "broken")]).partner_id.ids
            ),
        )
        if self.partner_id.id not in breakers or not self.date:
            return ""
        previous = self.search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", company.id),
                ("state", "=", "sent"),
                ("id", "!=", self._origin.id or 0),
                ("date", "<=", self.date),
            ],
            order="date desc, id desc",
            limit=1,
        )
        domain = [
            ("partner_id", "=", self.partner_id.id),
            ("company_id", "=", company.id),
            ("promise_state", "=", "broken"),
            ("promise_date", "<", self.date),
        ]
        if previous:
            domain.append(("promise_date", ">=", previous.date))
        return " ".join(
            self.env._(
                "You promised to pay %(invoices)s by %(date)s; we have not received this payment.",
                invoices=", ".join(promise.move_ids.sorted("name").mapped("name")),
                date=format_date(self.env, promise.promise_date),
            )
            for promise in Answer.search(domain, order="promise_date, id")
        )

    def _answers_open_until(self):
        """The last day the customer may answer from the letter's address."""
        self.ensure_one()
        policy = self._answer_policy()
        return self.date + timedelta(days=policy.answer_days) if self.date else False

    def _answers_expired(self, today=None):
        self.ensure_one()
        until = self._answers_open_until()
        return not until or (today or fields.Date.context_today(self)) > until

    def _answer_page_texts(self):
        """The sentences of the answer page that carry the policy's limits."""
        self.ensure_one()
        policy = self._answer_policy()
        company = self.company_id
        contact = f"{company.name} ({company.email})" if company.email else company.name
        return {
            "promise": _("I will pay by (at the latest %s days from today)", policy.promise_max_days),
            "plan": _("Number of monthly installments (2 to %s)", policy.plan_max_installments),
            "expired": _(
                "This reminder can no longer be answered here. To tell us anything about these invoices, please "
                "contact %s.",
                contact,
            ),
        }

    def _record_answer(self, kind, moves, values, upload=None):
        """Record what the customer answered about `moves` (invoices of this
        reminder still open); `values`: what the form gave (paid_date,
        paid_amount, promise_date, installments, reason, message); `upload`:
        (file name, content, mimetype) of a proof or a document.  Checks
        everything before writing anything; returns the answer."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        answer_values = self._answer_values(kind, moves, values, upload, today)
        answer = self.env["account.dunning.answer"].create(answer_values)
        if upload:
            name, content, mimetype = upload
            answer.attachment_ids = self.env["ir.attachment"].create(
                # On the reminder: its chatter shows the document with the answer.
                {"name": name, "raw": content, "mimetype": mimetype, "res_model": self._name, "res_id": self.id}
            )
        # What follows is for the credit department: in the company's
        # language, the to-do for the customer's responsible in the
        # reminder's company (never the visitor).
        internal = (
            self.with_user(SUPERUSER_ID)
            .with_company(self.company_id)
            .with_context(lang=self.company_id.partner_id.lang or self.env.lang)
        )
        internal._apply_answer(answer.with_env(internal.env), moves.with_env(internal.env), today)
        return answer

    def _apply_answer(self, answer, moves, today):
        """Hold what the answer is about, log it, and tell the responsible."""
        policy = self._answer_policy()
        text = _("The customer answered: %s", answer._summary())
        if answer.message:
            text = _("%(answer)s Message: %(message)s", answer=text, message=answer.message)
        check_until = today + timedelta(days=policy.answer_hold_days)
        reason, until = {
            "paid": ("claimed_paid", check_until),
            "dispute": ("dispute", False),
            # A promise to pay by a date holds through that date.
            "promise": ("promise", answer.promise_date and answer.promise_date + timedelta(days=1)),
            "plan": ("payment_plan", check_until),
        }[answer.kind]
        # An answer never shortens a hold: a disputed invoice stays disputed
        # when the customer also says it paid it.
        held_longer = moves.filtered(
            lambda move: (
                move._dunning_on_hold(today)
                and (not move.dunning_block_until or (until and move.dunning_block_until >= until))
            )
        )
        (moves - held_longer)._dunning_put_on_hold(reason, until, note=text)
        if held_longer:
            held_longer._message_log_batch(dict.fromkeys(held_longer.ids, Markup("<p>%s</p>") % text))
        body = Markup("<p>%s</p>") % text
        author = self.partner_id.id
        self.message_post(
            body=body, subtype_xmlid="mail.mt_note", author_id=author, attachment_ids=answer.attachment_ids.ids
        )
        self.partner_id.message_post(body=body, subtype_xmlid="mail.mt_note", author_id=author)
        self._schedule_answer_activity(answer)

    def _answer_values(self, kind, moves, values, upload, today):
        """The answer's values, or a UserError saying what to correct."""
        if kind not in dict(ANSWER_KINDS):
            raise UserError(_("Choose your answer."))
        if not moves:
            raise UserError(_("Select the invoices your answer is about."))
        if moves - self._moves_still_open():
            raise UserError(_("Your answer may only be about the invoices of this reminder still to pay."))
        policy = self._answer_policy()
        message = (values.get("message") or "").strip()
        if len(message) > MAX_MESSAGE:
            raise UserError(_("Your message is too long: at most %s characters.", MAX_MESSAGE))
        if len(self.answer_ids) >= MAX_ANSWERS:
            raise UserError(_("This reminder has received many answers already: please contact us directly."))
        if upload and len(upload[1]) > MAX_ANSWER_FILE:
            raise UserError(_("The document is too large: at most 10 MB."))
        if upload and not self._answer_file_accepted(upload[1]):
            raise UserError(_("Send the document as a PDF file or a picture."))
        return {
            "reminder_id": self.id,
            "kind": kind,
            "move_ids": [fields.Command.set(moves.ids)],
            "currency_id": moves[:1].currency_id.id,
            "message": message or False,
            **self._answer_kind_values(kind, values, policy, today),
        }

    def _answer_kind_values(self, kind, values, policy, today):
        """What the answer of `kind` says (dates, amount, reason,
        installments), or a UserError saying what to correct."""
        result = {}
        if kind == "paid":
            paid_date = self._answer_date(values.get("paid_date"), _("Give the date you paid."))
            if paid_date > today:
                raise UserError(_("The payment date cannot be in the future."))
            amount = self._answer_amount(values.get("paid_amount"))
            result.update(paid_date=paid_date, paid_amount=amount)
        elif kind == "dispute":
            reason = (values.get("reason") or "").strip()
            if not reason:
                raise UserError(_("Tell us why you dispute the invoice."))
            if len(reason) > MAX_REASON:
                raise UserError(_("The reason is too long: at most %s characters.", MAX_REASON))
            result["reason"] = reason
        elif kind == "promise":
            promise_date = self._answer_date(values.get("promise_date"), _("Give the date you will pay by."))
            latest = today + timedelta(days=policy.promise_max_days)
            if not today < promise_date <= latest:
                raise UserError(
                    _(
                        "The date you promise to pay by must be after today and at the latest %s.",
                        format_date(self.env, latest),
                    )
                )
            result.update(promise_date=promise_date, promise_state="open")
        else:
            try:
                installments = int(values.get("installments") or 0)
            except ValueError:
                installments = 0
            if not 2 <= installments <= policy.plan_max_installments:
                raise UserError(_("A payment plan has from 2 to %s installments.", policy.plan_max_installments))
            result.update(installments=installments, plan_state="asked")
        return result

    @api.model
    def _answer_file_accepted(self, content):
        """A PDF or a picture, read from the content (not from what the
        browser says): nothing a browser would run when opened."""
        mimetype = guess_mimetype(content)
        return mimetype == "application/pdf" or (mimetype.startswith("image/") and "svg" not in mimetype)

    @api.model
    def _answer_date(self, value, missing):
        """The date typed in the form, or a UserError saying `missing`."""
        try:
            day = fields.Date.to_date(value) if value else None
        except ValueError:
            day = None
        if not day:
            raise UserError(missing)
        return day

    @api.model
    def _answer_amount(self, value):
        try:
            amount = float(str(value or "").replace(",", ".").replace("\N{NO-BREAK SPACE}", "").replace(" ", ""))
        except ValueError:
            amount = 0.0
        if not 0 < amount < 1e12:
            raise UserError(_("Give the amount you paid."))
        return amount

    def _schedule_answer_activity(self, answer):
        """A to-do for the responsible: check the payment, settle the
        dispute, follow the promise, decide on the plan."""
        summaries = {
            "paid": _("Check the payment the customer says was made"),
            "dispute": _("Settle the customer's dispute"),
            "promise": _("Check the promised payment arrives"),
            "plan": _("Accept or refuse the payment plan asked for"),
        }
        deadline = (
            answer.promise_date + timedelta(days=1) if answer.kind == "promise" else fields.Date.context_today(self)
        )
        answer.activity_id = self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=deadline,
            summary=summaries[answer.kind],
            note=Markup("<p>%s</p>") % answer._summary(),
            user_id=self._activity_user().id,
        )


class ResPartner(models.Model):
    _inherit = "res.partner"

    dunning_promises_kept = fields.Integer("Promises Kept", compute="_compute_dunning_promises")
    dunning_promises_broken = fields.Integer("Promises Broken", compute="_compute_dunning_promises")

    @api.depends_context("company")
    def _compute_dunning_promises(self):
        """The customer's promises to pay (phone or pay-online page) in the
        current company, kept or broken: how far its word can be trusted."""
        counts = {
            (partner, state): count
            for partner, state, count in self.env["account.dunning.answer"]._read_group(
                [
                    ("partner_id", "in", self.commercial_partner_id._origin.ids),
                    ("company_id", "=", self.env.company.id),
                    ("promise_state", "in", ("kept", "broken")),
                ],
                ["partner_id", "promise_state"],
                ["__count"],
            )
        }
        for partner in self:
            commercial = partner.commercial_partner_id._origin
            partner.dunning_promises_kept = counts.get((commercial, "kept"), 0)
            partner.dunning_promises_broken = counts.get((commercial, "broken"), 0)

    def action_view_dunning_answers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_dunning.action_account_dunning_answer")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action
