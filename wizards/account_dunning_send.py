import contextlib

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..models.account_dunning_prechecks import SKIP_REASONS

CHANNEL_FIELDS = ("channel_email", "channel_letter", "channel_registered", "channel_sms", "channel_phone")


class AccountDunningSend(models.TransientModel):
    """Send reminder by hand: shows the plan the engine makes for one
    customer, lets the user adjust it, and commits it through the engine."""

    _name = "account.dunning.send"
    _description = "Send a Payment Reminder"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", required=True, readonly=True)
    available_move_ids = fields.Many2many(
        "account.move", "account_dunning_send_available_rel", string="Overdue Invoices", readonly=True
    )
    move_ids = fields.Many2many(
        "account.move",
        "account_dunning_send_move_rel",
        string="Invoices",
        domain="[('id', 'in', available_move_ids)]",
    )
    policy_id = fields.Many2one("account.dunning.policy", readonly=True)
    proposed_level_id = fields.Many2one("account.dunning.level", readonly=True)
    level_id = fields.Many2one("account.dunning.level", domain="[('policy_id', '=', policy_id)]")
    is_manager = fields.Boolean(compute="_compute_is_manager", default=lambda self: self._default_is_manager())
    channel_email = fields.Boolean("Email")
    channel_letter = fields.Boolean("Printed Letter")
    channel_registered = fields.Boolean("Registered Letter")
    channel_sms = fields.Boolean("SMS")
    channel_phone = fields.Boolean("Phone Call")
    last_reminder_date = fields.Date(readonly=True)
    override_reason = fields.Char(help="Required to remind again invoices reminded today or recently.")
    preview = fields.Html(compute="_compute_preview", sanitize=False)

    # ---- DEFAULTS ----
    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model, ids = self.env.context.get("active_model"), self.env.context.get("active_ids") or []
        records = self.env[model].browse(ids) if model in ("account.move", "res.partner") else None
        if not records:
            raise UserError(_("Open a customer invoice or a customer to send a reminder."))
        today = fields.Date.context_today(self)
        if model == "account.move":
            records._dunning_check_remindable(today)
        partners = records.commercial_partner_id
        if len(partners) != 1:
            raise UserError(_("Select the invoices of a single customer."))
        company = records[:1].company_id if model == "account.move" else self._partner_company()
        partners._dunning_check_remindable(company)
        engine = self.env["account.dunning.engine"]
        plan = engine._plan_for_partner(company, partners, today, keep_covered=True)
        if not plan or not plan.level:
            blocking = [check.message for check in plan.checks if check.severity == "block"] if plan else []
            raise UserError("\n".join(blocking) or _("%s has no overdue invoice to remind.", partners.display_name))
        overdue = [row.move_id for row, _rule, _escalated in plan.lines]
        covered = sorted(plan.block.move_ids & set(overdue)) if plan.block else []
        notice_values = self._notice_values(plan)
        held = plan.held_move_ids if notice_values else set()
        # Every overdue invoice of the customer is proposed, except those
        # reminded today or recently, or due for the formal notice: the user
        # unticks what should wait.
        chosen = [move_id for move_id in overdue if move_id not in covered and move_id not in held] or [
            move_id for move_id in ids if move_id in overdue and model == "account.move"
        ]
        rules = [rule for row, rule, _escalated in plan.lines if rule and row.move_id in (chosen or overdue)]
        level_rule = max(rules, key=lambda rule: rule.index) if rules else plan.level
        level = self.env["account.dunning.level"].browse(level_rule.id)
        last = self.env["account.dunning.reminder"].search(
            [("partner_id", "=", partners.id), ("company_id", "=", company.id), ("state", "=", "sent")],
            order="date desc",
            limit=1,
        )
        values.update(
            company_id=company.id,
            partner_id=partners.id,
            available_move_ids=[Command.set(overdue)],
            move_ids=[Command.set(chosen or overdue)],
            covered_move_ids=[Command.set(covered)],
            policy_id=plan.policy_id,
            proposed_level_id=level.id,
            level_id=level.id,
            last_reminder_date=last.date,
            **self._block_values(partners, plan.block),
            **self._check_values(plan),
            **{name: level[name] for name in CHANNEL_FIELDS},
        )
        values.update(notice_values)
        return values

    def _partner_company(self):
        """The company a customer is reminded for: the cockpit row's, else the current one."""
        company = self.env["res.company"].browse(self.env.context.get("dunning_company_id"))
        return company if company and company in self.env.companies else self.env.company

    # ---- COMPUTE ----
    @api.model
    def _default_is_manager(self):
        return self.env.user.has_group("account_dunning.group_dunning_manager")

    @api.depends_context("uid")
    def _compute_is_manager(self):
        self.is_manager = self._default_is_manager()

    @api.onchange("level_id")
    def _onchange_level_id(self):
        for name in CHANNEL_FIELDS:
            self[name] = self.level_id[name]

    @api.depends("move_ids", "level_id", "partner_id")
    def _compute_preview(self):
        """The text the customer will read, in the customer's language,
        rendered from an unsaved reminder."""
        for wizard in self:
            if not wizard.level_id or not wizard.move_ids:
                wizard.preview = False
                continue
            reminder = wizard._new_reminder()
            reminder = reminder.with_context(lang=reminder.lang)
            for line, values in reminder._fee_values().items():
                line.update(values)
            wizard.preview = (
                self.env["ir.qweb"]
                .with_context(lang=reminder.lang)
                ._render("account_dunning.dunning_letter_body", {"reminder": reminder})
            )

    def _plan(self):
        """The engine's plan for the selected invoices at the chosen level.
        Each invoice keeps the level it reached: the chosen level applies to
        the invoices the letter is about (those at the highest level
        reached), never to an invoice that did not get there."""
        engine = self.env["account.dunning.engine"].with_company(self.company_id)
        today = fields.Date.context_today(self)
        plan = engine._plan_for_partner(
            self.company_id, self.partner_id._origin, today, self.move_ids._origin.ids, keep_covered=True
        )
        if not plan or not plan.lines:
            return plan
        rules = engine._level_rules(self.policy_id._origin)[0][self.policy_id.id]
        chosen = next(rule for rule in rules if rule.id == self.level_id.id)
        proposed = plan.level

        def level_of(rule):
            if rule and (rule.index >= proposed.index or rule.index > chosen.index):
                return chosen
            return rule

        plan.lines = [(row, level_of(rule), escalated) for row, rule, escalated in plan.lines]
        plan.level = chosen
        return plan

    def _new_reminder(self):
        """An in-memory reminder (nothing written) for the preview."""
        today = fields.Date.context_today(self)
        plan = self._plan()
        rule_of = {row.move_id: rule for row, rule, _escalated in plan.lines} if plan else {}
        lines = [
            Command.create(
                {
                    "move_id": move.id,
                    "level_id": rule_of[move._origin.id].id if rule_of.get(move._origin.id) else False,
                    "date_due": move.invoice_date_due,
                    "days_overdue": (today - move.invoice_date_due).days,
                    "amount_residual": move.amount_residual,
                    "amount_residual_company": abs(move.amount_residual_signed),
                }
            )
            for move in self.move_ids.sorted("invoice_date_due")
        ]
        return self.env["account.dunning.reminder"].new(
            {
                "company_id": self.company_id.id,
                "partner_id": self.partner_id.id,
                "policy_id": self.policy_id.id,
                "level_id": self.level_id.id,
                "tone": self.level_id.tone,
                "date": today,
                "line_ids": lines,
            }
        )

    def _commit_reminder(self, state, override_reason=None):
        """Write the reminder through the engine's own commit, as the cron would."""
        plan = self._checks_for_channels(self._plan())
        if not plan or not plan.lines or plan.skip_reason in SKIP_REASONS.values():
            blocking = [check.message for check in plan.checks if check.severity == "block"] if plan else []
            raise UserError("\n".join(blocking) or _("Select at least one invoice."))
        plan.channels = {name.removeprefix("channel_") for name in CHANNEL_FIELDS if self[name]}
        plan.state = state
        plan.override_reason = override_reason
        plan.skip_reason = None
        engine = self.env["account.dunning.engine"].with_company(self.company_id)
        today = fields.Date.context_today(self)
        reminders = engine._commit_plans(self.company_id, today, [plan])
        if state != "draft":
            self.env["account.dunning.check.result"]._replace(
                self.company_id, today, [plan], reminders, [plan.partner_id]
            )
        return reminders

    # ---- ACTION ----
    def action_preview_pdf(self):
        """The letter exactly as it would print, from a reminder written in a
        savepoint that is rolled back: nothing of it stays in the database."""
        self.ensure_one()
        if not self.move_ids or not self.level_id:
            raise UserError(_("Select at least one invoice."))
        report = self.level_id.report_id or self.env.ref("account_dunning.action_report_dunning_letter")
        with contextlib.closing(self.env.cr.savepoint()):
            reminder = self._commit_reminder("draft")
            reminder = reminder.with_context(lang=reminder.lang)
            contents, kind = reminder._render_letters(report)
            content = contents[reminder.id]
            self.env.flush_all()
        self.env.invalidate_all(flush=False)
        extension = "pdf" if kind == "application/pdf" else "html"
        attachment = self.env["ir.attachment"].create(
            {
                "name": _("Preview - %s", self.partner_id.name) + f".{extension}",
                "raw": content,
                "mimetype": kind,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        # A download, not a new tab: browsers block pop-ups opened after a request.
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    def action_send(self):
        self.ensure_one()
        self._action_send()
        # Back to the invoice or customer: the chatter shows what was sent.
        return {"type": "ir.actions.act_window_close"}

    def _action_send(self):
        """Checks, then the engine's own commit and dispatch.  The guard is
        read from the database when sending, not from what the wizard saw
        when it opened (another tab, another user, a double click)."""
        if not self.move_ids:
            raise UserError(_("Select at least one invoice."))
        if not any(self[name] for name in CHANNEL_FIELDS):
            raise UserError(_("Select at least one channel."))
        if self.level_id != self.proposed_level_id and not self.is_manager:
            raise UserError(_("Only a dunning manager can change the proposed level."))
        engine = self.env["account.dunning.engine"]
        block = self._sending_block()
        reason = (self.override_reason or "").strip()
        # Invoices not in the reminders sent today or recently may get one of
        # their own; naming those again needs a manager's reason.
        overrides = block and (
            block.kind in ("pending", "failed", "too_many") or block.move_ids & set(self.move_ids._origin.ids)
        )
        guards = []
        if overrides:
            self._check_override(block, reason)
            guards.append(engine._block_message(self.partner_id, block))
        # Invoices due for the formal notice, named again in a gentler reminder.
        held = self._notice_held_now()
        if held:
            guards.append(self._check_notice_override(held, reason))
        needs_validation = self.level_id.manual_validation and not self.is_manager
        reminder = self._commit_reminder(
            "to_validate" if needs_validation else "to_send", override_reason=reason if guards else None
        )
        if not reminder:
            # Sent meanwhile by someone else: say what the database says now.
            block = self._sending_block()
            raise UserError(engine._block_message(self.partner_id, block) if block else _("Nothing was sent."))
        if guards:
            reminder.message_post(
                body=Markup("<p>%s</p>")
                % _(
                    "Sent by a dunning manager although %(guard)s Reason: %(reason)s",
                    guard=" ".join(guards),
                    reason=reason,
                )
            )
        reminder._dispatch()
        return reminder
