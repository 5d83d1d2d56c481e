"""Following a running payment plan, each night: kept once its invoices are
paid; an installment not received by its date gets the plan's own reminder;
still unpaid after the policy's grace delay, the plan is broken (or a dunning
manager is asked to confirm it) and ordinary dunning resumes where it
stopped.  Also what the policy says of plans, and where a plan is drawn up
from (a customer's request, the customer, selected invoices)."""

from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from .account_dunning_payment_plan import FIRST_INSTALLMENT_DAYS


class AccountDunningPaymentPlan(models.Model):
    _inherit = "account.dunning.payment.plan"

    @api.model
    def _follow_running_plans(self, today):
        """The nightly follow-up of every running plan the user can see."""
        plans = self.search([("state", "=", "running")])
        for company, company_plans in plans.grouped("company_id").items():
            lang = company.partner_id.lang or self.env.lang
            company_plans.with_company(company).with_context(lang=lang)._follow(today)
        return plans

    def _follow(self, today):
        for plan in self:
            if all(move.currency_id.is_zero(move.amount_residual) for move in plan.move_ids):
                plan._close_kept(today)
                continue
            late = [
                installment
                for installment, paid in plan._allocation()
                if installment.date_due < today and plan.currency_id.compare_amounts(paid, installment.amount) < 0
            ]
            if not late:
                continue
            unreminded = [installment for installment in late if not installment.reminded_on]
            if unreminded:
                plan._send_installment_reminder(unreminded, today)
            if late[0].date_due + timedelta(days=plan._grace_days()) < today and not plan.break_pending:
                plan._break_or_ask(late[0])

    def _close_kept(self, today):
        self.ensure_one()
        self.write({"state": "done", "end_date": today})
        self._release_invoices(_("Payment plan %s kept: every installment was paid.", self.name))

    def _send_installment_reminder(self, installments, today):
        """The plan's own reminder: which installment is missing, and what
        follows if it stays unpaid.  By email to the customer (queued), noted
        on the plan."""
        self.ensure_one()
        template = self.env.ref("account_dunning.mail_template_payment_plan_reminder")
        self.env["account.dunning.payment.plan.installment"].union(*installments).reminded_on = today
        self.with_context(plan_late_installments=[i.id for i in installments]).message_post_with_source(
            template, subtype_xmlid="mail.mt_comment"
        )

    def _late_installments(self):
        """The installments the plan's reminder is about (see its template)."""
        self.ensure_one()
        ids = self.env.context.get("plan_late_installments") or []
        return self.installment_ids.filtered(lambda installment: installment.id in ids)

    def _break_or_ask(self, installment):
        """Past the grace delay: broken now, or when a dunning manager
        confirms if the policy asks for it."""
        self.ensure_one()
        policy = self._policy()
        if policy.plan_break_confirm:
            self.break_pending = True
            manager = self.env["account.dunning.engine"]._managers(self.company_id)[:1]
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Confirm the payment plan is broken"),
                note=Markup("<p>%s</p>") % self._missed_sentence(installment),
                user_id=(manager or self.env.user).id,
            )
            return
        self._break(installment)

    def _missed_sentence(self, installment):
        return _(
            "The installment of %(amount)s due on %(date)s was not received within %(days)s days.",
            amount=self.currency_id.format(installment.amount - installment.amount_paid),
            date=format_date(self.env, installment.date_due),
            days=self._grace_days(),
        )

    def _break(self, installment=None):
        self.ensure_one()
        installment = installment or next(
            (i for i, paid in self._allocation() if self.currency_id.compare_amounts(paid, i.amount) < 0),
            self.installment_ids[:1],
        )
        reason = self._missed_sentence(installment)
        self.write({"state": "broken", "end_date": fields.Date.context_today(self), "break_pending": False})
        self._release_invoices(
            _("Payment plan %(plan)s broken: %(reason)s Dunning resumes.", plan=self.name, reason=reason)
        )

    def action_confirm_break(self):
        """A dunning manager confirms: the plan is broken, dunning resumes."""
        if not self.env.user.has_group("account_dunning.group_dunning_manager"):
            raise UserError(_("Only a dunning manager can declare a payment plan broken."))
        for plan in self:
            if plan.state != "running":
                raise UserError(_("Only a running plan can be broken."))
            plan._break()
            plan.activity_ids.action_feedback(feedback=_("Plan broken."))
        return True

    @api.model
    def _interest_stops(self, moves):
        """{invoice id: last day of late interest} of the invoices of a
        running or kept plan whose policy stops the interest: the day the
        plan started.  A broken plan stops nothing."""
        ids = [move_id for move_id in moves._origin.ids if move_id]
        if not ids:
            return {}
        plans = self.sudo().search([("state", "in", ("running", "done")), ("move_ids", "in", ids)])
        return {
            move_id: plan.start_date
            for plan in plans
            if plan._policy().plan_stops_interest
            for move_id in set(plan.move_ids.ids) & set(ids)
        }

    def _policy(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        return self.env["account.dunning.policy"]._policies_for_partners(partner, self.company_id)[partner.id]

    def _grace_days(self):
        return self._policy().plan_grace_days


class AccountDunningPolicy(models.Model):
    _inherit = "account.dunning.policy"

    plan_grace_days = fields.Integer(
        "Grace on an Installment (days)",
        default=15,
        help="An installment still unpaid this many days after its date breaks the payment plan: ordinary "
        "dunning resumes.  The customer gets the plan's reminder the day after the date.",
    )
    plan_break_confirm = fields.Boolean(
        "Manager Confirms a Broken Plan",
        help="Past the grace delay, a dunning manager is asked to confirm the plan is broken instead of it "
        "breaking by itself.",
    )
    plan_stops_interest = fields.Boolean(
        "No Interest During a Kept Plan",
        default=True,
        help="Late-payment interest stops on the invoices of a payment plan from the day it starts, as long as "
        "the plan is kept.  A broken plan charges it from the due dates again.",
    )

    @api.constrains("plan_grace_days")
    def _check_plan_grace(self):
        for policy in self:
            if not 0 <= policy.plan_grace_days <= 90:
                raise ValidationError(
                    _("Policy %s: the grace on a payment plan's installment runs from 0 to 90 days.", policy.name)
                )


class AccountDunningAnswer(models.Model):
    _inherit = "account.dunning.answer"

    payment_plan_ids = fields.One2many("account.dunning.payment.plan", "answer_id", "Payment Plans")

    def action_accept_plan(self):
        """Draw up the plan the customer asked for (its invoices, its number
        of monthly installments); it is accepted once the plan starts."""
        self.ensure_one()
        if self.kind != "plan" or self.plan_state != "asked":
            raise UserError(_("Only a payment plan still asked for can be accepted or refused."))
        plan = self.payment_plan_ids.filtered(lambda p: p.state == "draft")[:1]
        if not plan:
            moves = self.reminder_id._open_invoices() & self.move_ids
            if not moves:
                raise UserError(_("The invoices of this request are paid: there is nothing left to plan."))
            plan = self.env["account.dunning.payment.plan"].create(
                {
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "answer_id": self.id,
                    "move_ids": [fields.Command.set(moves.ids)],
                    "installment_count": self.installments,
                    "first_date": fields.Date.context_today(self) + timedelta(days=FIRST_INSTALLMENT_DAYS),
                    "frequency": "monthly",
                }
            )
            plan.action_compute_installments()
        return plan._form_action()


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    def _payment_plans(self):
        """The running or kept plans of this reminder's invoices: the pay-online page shows their schedule."""
        self.ensure_one()
        return self.env["account.dunning.payment.plan"].search(
            [("state", "in", ("running", "done")), ("move_ids", "in", self.line_ids.move_id.ids)]
        )


class AccountMove(models.Model):
    _inherit = "account.move"

    def action_dunning_payment_plan(self):
        """Propose a payment plan for the selected invoices."""
        open_moves = self.filtered(lambda move: not move.currency_id.is_zero(move.amount_residual))
        return self.env["account.dunning.payment.plan"]._draft_for_invoices(open_moves)


class ResPartner(models.Model):
    _inherit = "res.partner"

    dunning_plan_count = fields.Integer("Payment Plans", compute="_compute_dunning_plan_count")

    @api.depends_context("company")
    def _compute_dunning_plan_count(self):
        counts = dict(
            self.env["account.dunning.payment.plan"]._read_group(
                [("partner_id", "in", self.commercial_partner_id._origin.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.dunning_plan_count = counts.get(partner.commercial_partner_id._origin, 0)

    def action_view_dunning_plans(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_dunning.action_account_dunning_payment_plan")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
