from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

HOLD_REASONS = [
    ("dispute", "Dispute"),
    ("promise", "Promise to pay"),
    ("payment_plan", "Payment plan"),
    ("claimed_paid", "Customer says paid"),
    ("other", "Other"),
]
PAID_STATES = ("paid", "in_payment", "reversed")


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_level_id = fields.Many2one(
        "account.dunning.level",
        compute="_compute_dunning_state",
        search="_search_dunning_level_id",
        help="Level of the latest reminder; none once the invoice is paid.",
    )
    dunning_last_date = fields.Date(
        "Last Reminder", compute="_compute_dunning_state", search="_search_dunning_last_date"
    )
    dunning_count = fields.Integer("Reminders", compute="_compute_dunning_state", search="_search_dunning_count")
    dunning_next_date = fields.Date(
        "Next Reminder", compute="_compute_dunning_next_date", search="_search_dunning_next_date"
    )
    dunning_days_overdue = fields.Integer(
        "Days Overdue",
        compute="_compute_dunning_days_overdue",
        search="_search_dunning_days_overdue",
        help="Days since the due date of the oldest installment still owed.",
    )
    dunning_policy_id = fields.Many2one("account.dunning.policy", compute="_compute_dunning_policy_id")
    dunning_pending_reminder_id = fields.Many2one(
        "account.dunning.reminder",
        "Pending Reminder",
        compute="_compute_dunning_pending_reminder_id",
        help="A reminder naming this invoice that waits for validation or sending: the invoice reaches its "
        "level once it is sent.",
    )
    dunning_blocked = fields.Boolean("Dunning on Hold", copy=False, tracking=True)
    dunning_block_reason = fields.Selection(HOLD_REASONS, "Hold Reason", copy=False, tracking=True)
    dunning_block_until = fields.Date("On Hold Until", copy=False, tracking=True)
    dunning_line_ids = fields.One2many("account.dunning.reminder.line", "move_id", "Reminder History")
    dunning_fee_reminder_id = fields.Many2one(
        "account.dunning.reminder",
        "Fees of Reminder",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="This invoice charges the late fees of that reminder; it bears no fees itself.",
    )

    # ---- COMPUTE ----
    @api.depends("payment_state", "dunning_line_ids.reminder_id.state")
    def _compute_dunning_state(self):
        facts = self._dunning_facts()
        for move in self:
            level_id, last_date, count = facts.get(move.id, (False, False, 0))
            # A paid invoice leaves dunning: the customer settled.
            move.dunning_level_id = False if move.payment_state in PAID_STATES else level_id
            move.dunning_last_date = last_date
            move.dunning_count = count

    @api.depends("dunning_line_ids.reminder_id.state")
    def _compute_dunning_pending_reminder_id(self):
        ids = [move_id for move_id in self.ids if move_id]
        pending = {}
        if ids:
            self.env["account.dunning.reminder"].flush_model(["state"])
            self.env["account.dunning.reminder.line"].flush_model(["move_id", "reminder_id"])
            self.env.cr.execute(
                SQL(
                    """
                    SELECT dl.move_id, MAX(dr.id)
                      FROM account_dunning_reminder_line dl
                      JOIN account_dunning_reminder dr ON dr.id = dl.reminder_id
                     WHERE dl.move_id IN %s AND dr.state IN ('to_validate', 'to_send')
                  GROUP BY dl.move_id
                    """,
                    tuple(ids),
                )
            )
            pending = dict(self.env.cr.fetchall())
        for move in self:
            move.dunning_pending_reminder_id = pending.get(move.id, False)

    def _dunning_facts(self):
        """{move id: (level id, last reminder date, reminder count)} in one query."""
        ids = [move_id for move_id in self.ids if move_id]
        if not ids:
            return {}
        self.env["account.dunning.reminder"].flush_model(["state", "date"])
        self.env["account.dunning.reminder.line"].flush_model(["move_id", "level_id"])
        last = self.env["account.dunning.reminder.line"]._last_reminder_sql(SQL("m.id"))
        self.env.cr.execute(
            SQL(
                "SELECT m.id, last.* FROM account_move m, LATERAL (%s) last WHERE m.id IN %s",
                last,
                tuple(ids),
            )
        )
        return {move_id: (level_id, date, count) for move_id, level_id, date, count in self.env.cr.fetchall()}

    @api.depends("line_ids.date_maturity", "line_ids.amount_residual", "line_ids.reconciled", "move_type", "state")
    def _compute_dunning_days_overdue(self):
        """Counted from the oldest installment still owed, as the dunning run
        and the analysis count it."""
        today = fields.Date.context_today(self)
        for move in self:
            due = None
            if move.state == "posted" and move.move_type == "out_invoice":
                owed = move.line_ids.filtered(
                    lambda line: (
                        line.account_type == "asset_receivable"
                        and not line.reconciled
                        and line.amount_residual > 0
                        and line.date_maturity
                    )
                )
                due = min(owed.mapped("date_maturity"), default=None)
            move.dunning_days_overdue = (today - due).days if due and due < today else 0

    @api.depends("commercial_partner_id", "company_id")
    def _compute_dunning_policy_id(self):
        Policy = self.env["account.dunning.policy"]
        for company, moves in self.grouped("company_id").items():
            policy_of = Policy._policies_for_partners(moves.commercial_partner_id, company)
            for move in moves:
                move.dunning_policy_id = policy_of.get(move.commercial_partner_id.id, Policy)

    @api.depends("dunning_level_id", "dunning_last_date", "invoice_date_due", "amount_residual")
    def _compute_dunning_next_date(self):
        dunned = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        dates = dunned._dunning_next_dates()
        for move in self:
            move.dunning_next_date = dates.get(move.id)

    def _dunning_next_dates(self):
        """move id -> date its next level becomes due (None at the last level
        or once paid), read from the dunning analysis in one query."""
        if not self._origin:
            return {}
        rows = self.env["account.dunning.analysis"].search_fetch(
            [("move_id", "in", self._origin.ids)], ["move_id", "next_date"]
        )
        date_of = {row.move_id.id: row.next_date or None for row in rows}
        return {move.id: date_of.get(move._origin.id) for move in self}

    def _dunning_is_settled(self):
        """Paid, being paid or credited: nothing left to remind."""
        self.ensure_one()
        return self.payment_state in PAID_STATES or self.currency_id.is_zero(self.amount_residual)

    def _dunning_on_hold(self, today):
        """On hold, with no end date or one still to come."""
        self.ensure_one()
        return self.dunning_blocked and (not self.dunning_block_until or self.dunning_block_until > today)

    def _dunning_check_remindable(self, today):
        """Say why an opened document cannot be reminded, instead of
        silently reminding another one."""
        for move in self:
            if move.move_type != "out_invoice":
                raise UserError(
                    _("%s is not a customer invoice: only customer invoices are reminded.", move.display_name)
                )
            if move.state != "posted":
                raise UserError(
                    _(
                        "%(invoice)s is %(state)s: only posted invoices are reminded.",
                        invoice=move.display_name,
                        state=dict(move._fields["state"]._description_selection(self.env))[move.state],
                    )
                )
            if move._dunning_is_settled():
                raise UserError(_("%s is paid: there is nothing to remind.", move.display_name))
            if move._dunning_on_hold(today):
                raise UserError(_("%s is on hold: release the hold before reminding it.", move.display_name))
            if not move.invoice_date_due or move.invoice_date_due >= today:
                raise UserError(
                    _(
                        "%(invoice)s is not overdue: it is due on %(date)s.",
                        invoice=move.display_name,
                        date=format_date(self.env, move.invoice_date_due),
                    )
                )

    def _dunning_origin(self):
        """What was sold, for the letter: the customer reference, else the first products."""
        self.ensure_one()
        if self.ref:
            return self.ref
        names = self.invoice_line_ids.filtered(lambda line: line.display_type == "product").mapped("name")
        return ", ".join(filter(None, names[:2]))[:80]

    def _dunning_ensure_portal_tokens(self):
        """Give the invoices without one a portal access token, in one UPDATE:
        letters link to each invoice's pay-online page, and the portal's own
        way (one account.move write per invoice) would dominate a large run."""
        if not self:
            return
        self.flush_recordset(["access_token"])
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET access_token = gen_random_uuid()::text "
                "WHERE id IN %s AND access_token IS NULL",
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["access_token"])

    # ---- LIST ACTIONS ----
    def action_dunning_send_now(self):
        """Remind the customers of the selected invoices now."""
        invoices = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        if not invoices:
            raise UserError(_("Select posted customer invoices."))
        return invoices.commercial_partner_id.action_dunning_send_now()

    def action_dunning_escalate(self):
        """Move the selected overdue invoices one level up now (managers)."""
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted" and not m.dunning_blocked
        )
        if not invoices:
            raise UserError(_("Select posted customer invoices that are not on hold."))
        return invoices.commercial_partner_id.action_dunning_escalate(move_ids=set(invoices.ids))

    def action_dunning_print_statements(self):
        """Follow-up report: the statements of the selected invoices' customers."""
        invoices = self.filtered(lambda m: m.is_sale_document(include_receipts=True))
        if not invoices:
            raise UserError(_("Select customer invoices."))
        return invoices.commercial_partner_id.action_dunning_print_statements()

    def action_dunning_release_hold(self):
        held = self.filtered("dunning_blocked")
        held._dunning_release_hold()
        return self.env["account.dunning.engine"]._client_notification(
            _("Release hold"),
            _("%(done)s invoice(s) released, %(skipped)s were not on hold.", done=len(held), skipped=len(self - held)),
        )

    # ---- HOLD ----
    def _dunning_put_on_hold(self, reason, until=False, note=False):
        """Stop dunning these invoices (dispute, promise to pay...)."""
        self._dunning_write_hold(True, reason, until)
        if note:
            self._message_log_batch(dict.fromkeys(self.ids, Markup("<p>%s</p>") % note))

    def _dunning_release_hold(self):
        self._dunning_write_hold(False, False, False)
        body = Markup("<p>%s</p>") % _("Dunning resumed.")
        self._message_log_batch(dict.fromkeys(self.ids, body))

    def _dunning_write_hold(self, blocked, reason, until):
        """One UPDATE for any number of invoices.  account.move's write runs
        per-invoice accounting checks (about one query per invoice) that do
        not concern these three fields of ours, on which no stored field
        depends; access rights are checked as the ORM would, and each invoice
        gets a chatter note instead of field tracking."""
        if not self:
            return
        self.check_access("write")
        self.flush_recordset(["dunning_blocked", "dunning_block_reason", "dunning_block_until"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move
                   SET dunning_blocked = %s, dunning_block_reason = %s, dunning_block_until = %s,
                       write_uid = %s, write_date = now() at time zone 'UTC'
                 WHERE id IN %s
                """,
                blocked,
                reason or None,
                until or None,
                self.env.uid,
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["dunning_blocked", "dunning_block_reason", "dunning_block_until", "write_date"])
