"""Payment plans (échéanciers): a customer's open invoices paid in dated
installments instead of at once.

A plan is drawn up as a draft (from the customer's request on the letter's
page, from the customer or from selected invoices), then started: its
invoices leave ordinary dunning (hold "payment plan", no end) and the plan
follows its own dates (see account_dunning_payment_plan_follow.py).
Payments on its invoices settle the installments in date order.
"""

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, format_date

PLAN_STATES = [
    ("draft", "Draft"),
    ("running", "Running"),
    ("done", "Kept"),
    ("broken", "Broken"),
    ("cancel", "Cancelled"),
]
FREQUENCIES = [("weekly", "Every week"), ("biweekly", "Every two weeks"), ("monthly", "Every month")]
STEPS = {"weekly": relativedelta(weeks=1), "biweekly": relativedelta(weeks=2), "monthly": relativedelta(months=1)}
MAX_INSTALLMENTS = 60
# A plan drawn up from a customer's request starts a week later: time to
# send it and for the customer to organise the first payment.
FIRST_INSTALLMENT_DAYS = 7


class AccountDunningPaymentPlan(models.Model):
    _name = "account.dunning.payment.plan"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Payment Plan"
    _order = "id desc"

    name = fields.Char("Reference", readonly=True, copy=False, default="/")
    state = fields.Selection(PLAN_STATES, default="draft", required=True, readonly=True, tracking=True, copy=False)
    partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", store=True, readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('company_id', '=', company_id), "
        "('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    answer_id = fields.Many2one("account.dunning.answer", "Customer's Request", readonly=True, copy=False)
    installment_count = fields.Integer("Installments", default=3)
    first_date = fields.Date(
        "First Installment", default=lambda self: fields.Date.context_today(self) + relativedelta(days=7)
    )
    frequency = fields.Selection(FREQUENCIES, default="monthly", required=True)
    installment_ids = fields.One2many("account.dunning.payment.plan.installment", "plan_id", "Schedule", copy=True)
    amount_total = fields.Monetary(
        "Plan Amount",
        compute="_compute_amount_total",
        help="What the invoices still owed when the plan started (before it starts: what they owe now).",
    )
    amount_started = fields.Monetary("Owed at Start", readonly=True, copy=False)
    amount_scheduled = fields.Monetary("Scheduled", compute="_compute_amount_scheduled")
    amount_paid = fields.Monetary("Paid", compute="_compute_progress")
    amount_late = fields.Monetary("Late", compute="_compute_progress", help="Installments due before today, unpaid.")
    start_date = fields.Date("Started On", readonly=True, copy=False)
    end_date = fields.Date("Ended On", readonly=True, copy=False)
    break_pending = fields.Boolean(
        "Break to Confirm",
        readonly=True,
        copy=False,
        help="An installment is late beyond the grace delay: a dunning manager confirms the plan is broken.",
    )

    _sql_constraints = [
        ("installment_count_positive", "CHECK(installment_count >= 0)", "The number of installments is positive.")
    ]

    @api.model_create_multi
    def create(self, vals_list):
        plans = super().create(vals_list)
        for plan in plans:
            plan.name = f"PLAN{plan.id:05d}"
        return plans

    # ---- COMPUTE ----
    @api.depends("move_ids.currency_id")
    def _compute_currency_id(self):
        for plan in self:
            plan.currency_id = plan.move_ids[:1].currency_id or plan.company_id.currency_id

    @api.depends("move_ids.amount_residual", "state", "amount_started")
    def _compute_amount_total(self):
        for plan in self:
            # Frozen once the plan runs: payments then settle installments.
            started = plan.state != "draft" and plan.amount_started
            plan.amount_total = started or sum(plan.move_ids.mapped("amount_residual"))

    @api.depends("installment_ids.amount")
    def _compute_amount_scheduled(self):
        for plan in self:
            plan.amount_scheduled = sum(plan.installment_ids.mapped("amount"))

    @api.depends_context("date")
    @api.depends("installment_ids.amount", "installment_ids.date_due", "move_ids.amount_residual", "state")
    def _compute_progress(self):
        today = fields.Date.context_today(self)
        for plan in self:
            plan.amount_paid = plan._paid_amount()
            plan.amount_late = sum(
                installment.amount - paid
                for installment, paid in plan._allocation()
                if installment.date_due < today and plan.currency_id.compare_amounts(paid, installment.amount) < 0
            )

    def _paid_amount(self):
        """What was paid (or credited) on the plan's invoices since it started."""
        self.ensure_one()
        if self.state == "draft":
            return 0.0
        return max(0.0, self.amount_total - sum(self.move_ids.mapped("amount_residual")))

    def _allocation(self):
        """[(installment, amount paid on it)]: payments settle the
        installments in date order, whatever the invoice they were matched to."""
        self.ensure_one()
        left = self._paid_amount()
        result = []
        for installment in self.installment_ids.sorted(lambda i: (i.date_due, i.sequence, i.id)):
            paid = min(left, installment.amount)
            left -= paid
            result.append((installment, paid))
        return result

    # ---- DRAWING UP ----
    def action_compute_installments(self):
        """Equal installments from the first date, at the plan's frequency;
        the last takes the rounding."""
        for plan in self:
            plan._check_draft()
            count, currency = plan.installment_count, plan.currency_id
            if not 2 <= count <= MAX_INSTALLMENTS:
                raise UserError(_("A payment plan has from 2 to %s installments.", MAX_INSTALLMENTS))
            if not plan.first_date:
                raise UserError(_("Give the date of the first installment."))
            if float_is_zero(plan.amount_total, precision_rounding=currency.rounding):
                raise UserError(_("Select the invoices the plan settles."))
            share = currency.round(plan.amount_total / count)
            amounts = [share] * (count - 1) + [currency.round(plan.amount_total - share * (count - 1))]
            step = STEPS[plan.frequency]
            plan.installment_ids = [fields.Command.clear()] + [
                fields.Command.create(
                    {"sequence": index + 1, "date_due": plan.first_date + step * index, "amount": amount}
                )
                for index, amount in enumerate(amounts)
            ]
        return True

    def _check_draft(self):
        if self.state != "draft":
            raise UserError(_("Plan %s has started: its schedule can no longer change.", self.name))

    def _check_startable(self, today):
        """Everything a plan must be before its invoices leave dunning, or a
        UserError saying what to correct."""
        self.ensure_one()
        self._check_draft()
        moves = self.move_ids
        if not moves:
            raise UserError(_("Select the invoices the plan settles."))
        if moves.filtered(
            lambda move: (
                move.move_type != "out_invoice"
                or move.state != "posted"
                or move.commercial_partner_id != self.partner_id.commercial_partner_id
                or move.company_id != self.company_id
            )
        ):
            raise UserError(_("A plan settles posted invoices of its customer and its company only."))
        if len(moves.currency_id) > 1:
            raise UserError(_("A plan settles invoices of one currency: make one plan per currency."))
        paid = moves.filtered(lambda move: move.currency_id.is_zero(move.amount_residual))
        if paid:
            raise UserError(_("These invoices are paid already: %s.", ", ".join(paid.mapped("name"))))
        other = self.search(
            [("id", "not in", self.ids), ("state", "=", "running"), ("move_ids", "in", moves.ids)], limit=1
        )
        if other:
            raise UserError(
                _(
                    "%(invoices)s are in plan %(plan)s already.",
                    invoices=", ".join((other.move_ids & moves).mapped("name")),
                    plan=other.name,
                )
            )
        installments = self.installment_ids.sorted(lambda i: (i.date_due or today, i.sequence))
        if len(installments) < 2:
            raise UserError(_("A payment plan has at least two installments: compute them or add them."))
        if any(not i.date_due or i.amount <= 0 for i in installments):
            raise UserError(_("Each installment has a date and a positive amount."))
        if len(set(installments.mapped("date_due"))) < len(installments):
            raise UserError(_("Two installments cannot fall on the same day."))
        if installments[0].date_due < today:
            raise UserError(_("The first installment cannot be before today."))
        if float_compare(self.amount_scheduled, self.amount_total, precision_rounding=self.currency_id.rounding):
            raise UserError(
                _(
                    "The installments add up to %(scheduled)s but the invoices owe %(owed)s: correct the amounts.",
                    scheduled=self.currency_id.format(self.amount_scheduled),
                    owed=self.currency_id.format(self.amount_total),
                )
            )

    def action_start(self):
        """The customer agreed: the invoices leave ordinary dunning and the
        plan's dates apply."""
        today = fields.Date.context_today(self)
        for plan in self:
            plan._check_startable(today)
            plan.write({"state": "running", "start_date": today, "amount_started": plan.amount_total})
            text = _(
                "Payment plan %(plan)s started: %(schedule)s.",
                plan=plan.name,
                schedule=plan._schedule_summary(),
            )
            plan.move_ids._dunning_put_on_hold("payment_plan", note=text)
            plan.message_post(body=Markup("<p>%s</p>") % text, subtype_xmlid="mail.mt_note")
            plan.partner_id.sudo().message_post(body=Markup("<p>%s</p>") % text, subtype_xmlid="mail.mt_note")
            if plan.answer_id.plan_state == "asked":
                plan.answer_id._decide_plan("accepted")
        return True

    def _schedule_summary(self):
        self.ensure_one()
        return ", ".join(
            _(
                "%(amount)s on %(date)s",
                amount=self.currency_id.format(installment.amount),
                date=format_date(self.env, installment.date_due),
            )
            for installment in self.installment_ids.sorted(lambda i: (i.date_due, i.sequence))
        )

    def action_cancel(self):
        """Drop a draft, or end a running plan by agreement: its invoices go
        back to ordinary dunning."""
        for plan in self:
            if plan.state not in ("draft", "running"):
                raise UserError(_("Only a draft or running plan can be cancelled."))
            was_running = plan.state == "running"
            plan.write({"state": "cancel", "end_date": fields.Date.context_today(plan), "break_pending": False})
            if was_running:
                plan._release_invoices(_("Payment plan %s cancelled: dunning resumes.", plan.name))
        return True

    def _release_invoices(self, note):
        """Back to ordinary dunning: the invoices still held by this plan."""
        self.ensure_one()
        held = self.move_ids.filtered(lambda move: move.dunning_blocked and move.dunning_block_reason == "payment_plan")
        held._dunning_write_hold(False, False, False)
        body = Markup("<p>%s</p>") % note
        if held:
            held._message_log_batch(dict.fromkeys(held.ids, body))
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
        self.partner_id.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    # ---- THE DOCUMENT ----
    def action_send_plan(self):
        """The plan document by email, in the usual composer."""
        self.ensure_one()
        template = self.env.ref("account_dunning.mail_template_payment_plan")
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
            },
        }

    def _plan_filename(self):
        self.ensure_one()
        return _("Payment-Plan-%s", self.name)

    def _plan_date(self):
        """The date the document bears: the start, or today for a draft."""
        self.ensure_one()
        return self.start_date or fields.Date.context_today(self)

    def _plan_document_url(self):
        """A link on the creditor's name telling the printing where the plan's pages start."""
        self.ensure_one()
        return f"{self.get_base_url()}/my/invoices#PLAN{self.id:06d}"

    def _plan_lang(self):
        return self.partner_id._dunning_statement_lang(self.company_id)

    def _plan_contact(self):
        """Where the plan is sent: the customer's invoicing contact."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        invoice_contact = partner.child_ids.filtered(lambda child: child.type == "invoice")[:1]
        return invoice_contact or partner

    def _form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    @api.model
    def _draft_for_invoices(self, moves):
        """A draft plan for the open invoices `moves` of one customer."""
        moves = moves.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")
        if not moves or len(moves.commercial_partner_id) > 1 or len(moves.company_id) > 1:
            raise UserError(_("Select open invoices of one customer and one company."))
        plan = self.create(
            {
                "partner_id": moves.commercial_partner_id.id,
                "company_id": moves.company_id.id,
                "move_ids": [fields.Command.set(moves.ids)],
            }
        )
        return plan._form_action()


class AccountDunningPaymentPlanInstallment(models.Model):
    _name = "account.dunning.payment.plan.installment"
    _description = "Payment Plan Installment"
    _order = "date_due, sequence, id"

    plan_id = fields.Many2one("account.dunning.payment.plan", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    sequence = fields.Integer(default=1)
    date_due = fields.Date("Due Date", required=True)
    amount = fields.Monetary(required=True, currency_field="currency_id")
    currency_id = fields.Many2one(related="plan_id.currency_id")
    amount_paid = fields.Monetary("Paid", compute="_compute_paid", currency_field="currency_id")
    paid_state = fields.Selection(
        [("paid", "Paid"), ("due", "To Come"), ("late", "Late")], "Status", compute="_compute_paid"
    )
    reminded_on = fields.Date("Reminded On", readonly=True, copy=False)

    @api.depends_context("date")
    @api.depends("plan_id.move_ids.amount_residual", "amount", "date_due", "plan_id.state")
    def _compute_paid(self):
        today = fields.Date.context_today(self)
        for installment in self:
            installment.amount_paid, installment.paid_state = 0.0, "due"
        for plan in self.plan_id:
            for installment, paid in plan._allocation():
                if installment not in self:
                    continue
                installment.amount_paid = paid
                if plan.currency_id.compare_amounts(paid, installment.amount) >= 0:
                    installment.paid_state = "paid"
                elif installment.date_due < today:
                    installment.paid_state = "late"

    @api.constrains("amount")
    def _check_amount(self):
        if any(installment.amount <= 0 for installment in self):
            raise ValidationError(_("An installment's amount is positive."))

    def write(self, vals):
        if set(vals) & {"date_due", "amount"} and any(i.plan_id.state != "draft" for i in self):
            raise UserError(_("A plan that has started keeps its schedule: cancel it and draw up a new one."))
        return super().write(vals)
