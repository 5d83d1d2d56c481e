from markupsafe import Markup

from odoo import _, api, fields, models

HOLD_REASONS = [
    ("dispute", "Dispute"),
    ("promise", "Promise to pay"),
    ("payment_plan", "Payment plan"),
    ("other", "Other"),
]
PAID_STATES = ("paid", "in_payment", "reversed")


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_level_id = fields.Many2one(
        "account.dunning.level",
        compute="_compute_dunning_level_id",
        store=True,
        readonly=False,
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="Last reminder level reached; cleared when the invoice is paid.",
    )
    dunning_last_date = fields.Date("Last Reminder", copy=False, readonly=True)
    dunning_count = fields.Integer("Reminders", copy=False, readonly=True)
    dunning_next_date = fields.Date("Next Reminder", compute="_compute_dunning_next_date")
    dunning_days_overdue = fields.Integer(
        "Days Overdue",
        compute="_compute_dunning_days_overdue",
        help="Days since the due date while an amount is still owed.",
    )
    dunning_policy_id = fields.Many2one("account.dunning.policy", compute="_compute_dunning_policy_id")
    dunning_blocked = fields.Boolean("Dunning on Hold", copy=False, tracking=True)
    dunning_block_reason = fields.Selection(HOLD_REASONS, "Hold Reason", copy=False, tracking=True)
    dunning_block_until = fields.Date("On Hold Until", copy=False, tracking=True)
    dunning_line_ids = fields.One2many("account.dunning.reminder.line", "move_id", "Reminder History")

    # ---- COMPUTE ----
    @api.depends("payment_state")
    def _compute_dunning_level_id(self):
        # A paid invoice leaves dunning: the customer settled, the ladder restarts.
        for move in self:
            if move.payment_state in PAID_STATES:
                move.dunning_level_id = False
            else:
                move.dunning_level_id = move.dunning_level_id

    @api.depends("invoice_date_due", "amount_residual", "move_type", "state")
    def _compute_dunning_days_overdue(self):
        today = fields.Date.context_today(self)
        for move in self:
            late = (
                move.state == "posted"
                and move.move_type == "out_invoice"
                and move.amount_residual > 0
                and move.invoice_date_due
                and move.invoice_date_due < today
            )
            move.dunning_days_overdue = (today - move.invoice_date_due).days if late else 0

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
        dates = self.env["account.dunning.engine"]._next_action_dates(dunned)
        for move in self:
            move.dunning_next_date = dates.get(move.id)

    def _dunning_origin(self):
        """What was sold, for the letter: the customer reference, else the first products."""
        self.ensure_one()
        if self.ref:
            return self.ref
        names = self.invoice_line_ids.filtered(lambda line: line.display_type == "product").mapped("name")
        return ", ".join(filter(None, names[:2]))[:80]

    # ---- HOLD ----
    def _dunning_put_on_hold(self, reason, until=False, note=False):
        """Stop dunning these invoices (dispute, promise to pay...)."""
        self.write({"dunning_blocked": True, "dunning_block_reason": reason, "dunning_block_until": until})
        if note:
            self._message_log_batch({move.id: Markup("<p>%s</p>") % note for move in self})

    def _dunning_release_hold(self):
        self.write({"dunning_blocked": False, "dunning_block_reason": False, "dunning_block_until": False})
        self._message_log_batch({move.id: Markup("<p>%s</p>") % _("Dunning resumed.") for move in self})
