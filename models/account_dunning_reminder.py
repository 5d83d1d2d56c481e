import contextlib
import contextvars

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from .account_dunning_level import TONES

STATES = [
    ("draft", "Draft"),
    ("to_validate", "To Validate"),
    ("to_send", "To Send"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]

# States in which a reminder counts for nothing: it never went out.
DEAD_STATES = ("draft", "cancelled", "failed")
# Fields a user may still change on a reminder that left draft: what the post
# office reports about a registered letter.
USER_EDITABLE_FIELDS = {"registered_tracking", "registered_ack_date"}

# Set while the addon's own code changes reminders (dispatch, the actions,
# the engine).  A context variable, not a context key: nothing a client
# sends can set it.
_INTERNAL_CHANGE = contextvars.ContextVar("account_dunning_internal_change", default=False)


@contextlib.contextmanager
def internal_change():
    """Let the addon's state machine write what users may not."""
    token = _INTERNAL_CHANGE.set(True)
    try:
        yield
    finally:
        _INTERNAL_CHANGE.reset(token)


def is_internal_change(env):
    return env.su or _INTERNAL_CHANGE.get()


FROZEN_FIELDS = {
    "company_id",
    "partner_id",
    "policy_id",
    "origin",
    "level_id",
    "tone",
    "date",
    "line_ids",
    "amount_due",
    "channel_email",
    "channel_letter",
    "channel_registered",
    "channel_sms",
    "channel_phone",
}


class AccountDunningReminder(models.Model):
    """One reminder to one customer: what was decided, and how it went out."""

    _name = "account.dunning.reminder"
    _description = "Dunning Reminder"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["reference", "partner_id"]

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", "Customer", required=True, readonly=True, index=True)
    policy_id = fields.Many2one("account.dunning.policy", readonly=True, ondelete="restrict")
    level_id = fields.Many2one("account.dunning.level", readonly=True, ondelete="restrict")
    tone = fields.Selection(TONES, readonly=True)
    date = fields.Date(required=True, readonly=True, index=True, default=fields.Date.context_today)
    origin = fields.Selection(
        [("auto", "Scheduled"), ("manual", "Sent by hand")], required=True, default="auto", readonly=True
    )
    override_reason = fields.Char(
        readonly=True, help="Why a manager sent this reminder before the policy's minimum interval."
    )
    state = fields.Selection(STATES, default="draft", required=True, readonly=True, tracking=True, index=True)
    channel_email = fields.Boolean("Email", readonly=True)
    channel_letter = fields.Boolean("Printed Letter", readonly=True)
    channel_registered = fields.Boolean("Registered Letter", readonly=True)
    channel_sms = fields.Boolean("SMS", readonly=True)
    channel_phone = fields.Boolean("Phone Call", readonly=True)
    line_ids = fields.One2many("account.dunning.reminder.line", "reminder_id", "Invoices", readonly=True)
    amount_due = fields.Monetary("Total Due", currency_field="company_currency_id", readonly=True)
    error_message = fields.Text(readonly=True)
    user_id = fields.Many2one("res.users", "Sent By", readonly=True)
    sent_date = fields.Datetime(readonly=True)
    letter_attachment_id = fields.Many2one("ir.attachment", "Letter PDF", readonly=True)
    mail_message_id = fields.Many2one("mail.message", "Email Message", readonly=True)
    lang = fields.Char(compute="_compute_lang")

    def init(self):
        # One live reminder per customer and day, whatever sent it: the
        # database itself refuses the duplicate of a concurrent run, a double
        # click or a second tab.  Only a manager's override (with its reason)
        # may add another one.
        self.env.cr.execute(
            """
            DROP INDEX IF EXISTS account_dunning_reminder_one_per_day;
            CREATE UNIQUE INDEX IF NOT EXISTS account_dunning_reminder_one_live_per_day
                ON account_dunning_reminder (company_id, partner_id, date)
             WHERE state NOT IN ('draft', 'cancelled', 'failed') AND override_reason IS NULL
            """
        )

    @api.depends("partner_id", "date")
    def _compute_name(self):
        """Its reference, unique, then whom and when: 'RMD000042 – Dupont SA, 22/10/2026'."""
        for reminder in self:
            reminder.name = self.env._(
                "%(reference)s – %(partner)s, %(date)s",
                reference=reminder.reference or self.env._("New reminder"),
                date=format_date(self.env, reminder.date),
                partner=reminder.partner_id.name,
            )

    @api.depends("contact_id.lang", "partner_id.lang", "company_id.partner_id.lang")
    def _compute_lang(self):
        """The invoice contact's language, else the customer's, else the
        company's: never the language of whoever runs the dunning."""
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        for reminder in self:
            contact = reminder.contact_id or reminder.partner_id
            candidates = (contact.lang, reminder.partner_id.lang, reminder.company_id.partner_id.lang, "en_US")
            reminder.lang = next(lang for lang in candidates if lang in installed or lang == "en_US")

    def _channels(self):
        self.ensure_one()
        return [c for c in ("email", "letter", "registered", "sms", "phone") if self[f"channel_{c}"]]

    # ---- LETTER CONTENT ----
    def _totals_by_currency(self):
        """[(currency, amount due)] of the covered invoices."""
        self.ensure_one()
        return [
            (currency, sum(lines.mapped("amount_residual")))
            for currency, lines in self.line_ids.grouped("currency_id").items()
        ]

    def _bank_account(self):
        self.ensure_one()
        company = self.company_id
        return self._memo(("bank_account", company.id), company._dunning_bank_account)

    def _schedule_validation(self):
        """A to-do for whoever validates: the level's responsible, else the
        customer's dunning responsible, else the user sending by hand, else
        a dunning manager; never the scheduler's bot.  Written in the
        company's language, closed when the reminder is validated or
        cancelled."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        for reminder in self:
            company_env = reminder.with_context(lang=reminder.company_id.partner_id.lang or self.env.lang).env
            values.append(
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": model_id,
                    "res_id": reminder.id,
                    "user_id": reminder._activity_user().id,
                    "summary": company_env._("Validate the %s", reminder.level_id.with_env(company_env).name),
                    "date_deadline": reminder.date,
                    # Automated: closed by validating or cancelling the reminder.
                    "automated": True,
                }
            )
        self.env["mail.activity"].create(values)

    # ---- ACTIONS (the only way a reminder changes state) ----
    def action_validate(self):
        """Manager approval of reminders created as 'to validate'; from a list,
        the others are skipped and counted.  They are checked against the
        ledger and sent at once."""
        self._check_manager(_("Only a dunning manager can validate reminders."))
        todo = self.filtered(lambda r: r.state == "to_validate")
        if len(self) == 1 and not todo:
            raise UserError(_("Only reminders waiting for validation can be validated."))
        with internal_change():
            todo._set_state("to_send")
            todo.activity_feedback(["mail.mail_activity_data_todo"])
            sent = todo._dispatch()
        cancelled = todo.filtered(lambda r: r.state == "cancelled")
        return self._list_notification(
            _("Validate and send"),
            _(
                "%(sent)s sent, %(failed)s failed, %(cancelled)s cancelled (nothing left owed), "
                "%(skipped)s skipped (not waiting for validation).",
                sent=len(sent),
                failed=len(todo - sent - cancelled),
                cancelled=len(cancelled),
                skipped=len(self - todo),
            ),
        )

    def action_retry(self):
        """Send failed reminders again once their cause is fixed: they are
        checked against the ledger and sent as of today."""
        self.check_access("write")
        todo = self.filtered(lambda r: r.state == "failed")
        if len(self) == 1 and not todo:
            raise UserError(_("Only failed reminders can be sent again."))
        with internal_change():
            todo._set_state("to_send")
            sent = todo._dispatch()
        if len(self) == 1 and not sent and todo.state == "failed":
            # Said, not raised: raising would roll back the failure reason.
            return self.env["account.dunning.engine"]._client_notification(
                _("Send again"), _("The reminder failed again: %s", todo.error_message), "warning"
            )
        return self._list_notification(
            _("Send again"),
            _(
                "%(sent)s sent, %(failed)s failed again, %(skipped)s skipped (not failed).",
                sent=len(sent),
                failed=len(todo.filtered(lambda r: r.state == "failed")),
                skipped=len(self - todo),
            ),
        )

    def action_cancel(self):
        """Cancel reminders; the invoices go back to their previous level."""
        self._check_manager(_("Only a dunning manager can cancel reminders."))
        todo = self.filtered(lambda r: r.state != "cancelled")
        if len(self) == 1 and not todo:
            raise UserError(_("This reminder is already cancelled."))
        with internal_change():
            todo._set_state("cancelled")
            todo.activity_unlink(["mail.mail_activity_data_todo"])
            reversed_fees = todo._reverse_fee_invoices()
        return self._list_notification(
            _("Cancel reminders"),
            _(
                "%(done)s cancelled, %(skipped)s already cancelled, %(fees)s fee invoices reversed.",
                done=len(todo),
                skipped=len(self - todo),
                fees=len(reversed_fees),
            ),
        )

    def _set_state(self, state, reason=False):
        """The state machine's single write; `reason` is kept on the reminder
        and logged in its chatter."""
        with internal_change():
            self.write({"state": state, "error_message": reason or False})
        if reason:
            self._message_log_batch(dict.fromkeys(self.ids, Markup("<p>%s</p>") % reason))

    def _check_manager(self, message):
        self.check_access("write")
        if not self.env.user.has_group("account_dunning.group_dunning_manager"):
            raise UserError(message)

    def _list_notification(self, title, message):
        """What was done, then the view reloads: from a form button as from a
        list action (a server action must return an action, even for one
        record)."""
        return self.env["account.dunning.engine"]._client_notification(title, message)

    # ---- HISTORY CANNOT BE REWRITTEN ----
    @api.model_create_multi
    def create(self, vals_list):
        # Reminders come from the engine (the run, the wizard, list actions);
        # a manager may create a draft, nobody a reminder that claims to have
        # gone out.
        if not is_internal_change(self.env):
            if not self.env.user.has_group("account_dunning.group_dunning_manager"):
                raise AccessError(_("Reminders are created by the dunning run or the Send Reminder wizard."))
            if any(vals.get("state", "draft") != "draft" for vals in vals_list):
                raise AccessError(_("A reminder is created as a draft; it changes state only through its actions."))
        return super().create(vals_list)

    def write(self, vals):
        if not is_internal_change(self.env):
            self._check_user_write(vals)
        # History is append-only: once out, what was decided never changes.
        if FROZEN_FIELDS.intersection(vals) and self.filtered(lambda r: r.state in ("sent", "cancelled")):
            raise UserError(_("A sent or cancelled reminder cannot be modified."))
        return super().write(vals)

    def _check_user_write(self, vals):
        """A user changes a reminder only through its actions, except the
        postal facts of a registered letter; a draft stays editable."""
        own = {
            name
            for name in vals
            if name in self._fields
            and self._fields[name]._module == "account_dunning"
            and name not in USER_EDITABLE_FIELDS
        }
        if own and self.filtered(lambda r: r.state != "draft"):
            raise AccessError(
                _(
                    "A reminder changes only through its actions (validate, send again, cancel); "
                    "these fields cannot be written: %s",
                    ", ".join(sorted(own)),
                )
            )
        if "state" in vals:
            raise AccessError(_("A reminder changes state only through its actions (validate, send again, cancel)."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if self.filtered(lambda r: r.state != "draft"):
            raise UserError(_("Reminders are kept as history: cancel them instead of deleting them."))
