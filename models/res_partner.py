from odoo import api, fields, models
from odoo.exceptions import UserError

DUNNING_STATUSES = [
    ("none", "No Action"),
    ("in_progress", "In Progress"),
    ("manual", "Needs Manual Action"),
    ("blocked", "Blocked"),
    ("litigation", "In Litigation"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    dunning_policy_id = fields.Many2one(
        "account.dunning.policy",
        company_dependent=True,
        help="Leave empty to use the policy of the customer's tags, else the company default.",
    )
    dunning_excluded = fields.Boolean("Do Not Dun", help="Never send payment reminders to this customer.")
    dunning_responsible_id = fields.Many2one(
        "res.users", company_dependent=True, help="Follows up this customer's unpaid invoices."
    )
    dunning_status = fields.Selection(DUNNING_STATUSES, compute="_compute_dunning_state")
    dunning_max_level_id = fields.Many2one("account.dunning.level", "Highest Level", compute="_compute_dunning_state")
    dunning_overdue_amount = fields.Monetary(
        "Overdue Amount", currency_field="dunning_currency_id", compute="_compute_dunning_state"
    )
    dunning_currency_id = fields.Many2one("res.currency", compute="_compute_dunning_state")
    dunning_oldest_days = fields.Integer("Oldest Overdue (days)", compute="_compute_dunning_state")
    dunning_next_date = fields.Date("Next Reminder", compute="_compute_dunning_state")
    dunning_reminder_count = fields.Integer("Reminder Count", compute="_compute_dunning_reminder_count")

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "dunning_excluded"]

    def _compute_dunning_state(self):
        """Aggregates of the open overdue invoices, in a few batched queries."""
        company = self.env.company
        today = fields.Date.context_today(self)
        commercial = self.commercial_partner_id
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("commercial_partner_id", "in", commercial.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "not in", ("paid", "in_payment", "reversed")),
                ("invoice_date_due", "<", today),
            ]
        )
        pending = {
            p.id
            for (p,) in self.env["account.dunning.reminder"]._read_group(
                [("partner_id", "in", commercial.ids), ("state", "in", ("to_validate", "failed"))], ["partner_id"]
            )
        }
        credits = self.env["account.dunning.engine"]._unapplied_credits(company, commercial.ids)
        next_dates = moves.filtered(lambda m: not m.dunning_blocked)._dunning_next_dates()
        Level = self.env["account.dunning.level"]
        by_partner = moves.grouped("commercial_partner_id")
        for partner in self:
            key = partner.commercial_partner_id
            mine = by_partner.get(key, moves.browse())
            active = mine.filtered(lambda m: not m.dunning_blocked)
            amount = sum(active.mapped("amount_residual_signed"))
            top = max(active.dunning_level_id, key=lambda lv: lv.days_overdue, default=Level)
            dates = [next_dates[m.id] for m in active if next_dates.get(m.id)]
            partner.dunning_overdue_amount = sum(mine.mapped("amount_residual_signed"))
            partner.dunning_currency_id = company.currency_id
            partner.dunning_oldest_days = max((today - m.invoice_date_due).days for m in active) if active else 0
            partner.dunning_max_level_id = top
            partner.dunning_next_date = min(dates, default=False)
            # Unapplied payments or credit notes: someone should reconcile first.
            needs_hand = key.id in pending or (amount > 0 and credits.get(key.id, 0.0) > 0)
            partner.dunning_status = partner._dunning_status(amount, top, bool(mine - active), needs_hand)

    def _dunning_status(self, amount, top_level, has_blocked, needs_hand):
        self.ensure_one()
        if self.commercial_partner_id.dunning_excluded or (has_blocked and not amount):
            return "blocked"
        if top_level.tone == "litigation":
            return "litigation"
        if needs_hand:
            return "manual"
        if amount > 0 and top_level:
            return "in_progress"
        if has_blocked:
            return "blocked"
        return "none"

    def _compute_dunning_reminder_count(self):
        counts = dict(
            self.env["account.dunning.reminder"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.dunning_reminder_count = counts.get(partner.commercial_partner_id, 0)

    def action_dunning_send_now(self):
        """List action: remind the selected customers now, whatever the
        schedule, through the same pipeline as the nightly run."""
        engine = self.env["account.dunning.engine"]
        partners = self.commercial_partner_id.filtered(lambda p: not p.dunning_excluded)
        _reminders, stats = engine._run(self.env.company, partner_ids=partners.ids, force=True)
        stats["excluded"] = len(self.commercial_partner_id - partners)
        return engine._notification(stats, self.env._("Send reminders now"))

    def action_dunning_escalate(self, move_ids=True):
        """List action (managers): move the overdue invoices of the selected
        customers (or only `move_ids`) one level up now and send that reminder."""
        if not self.env.user.has_group("account_dunning.group_dunning_manager"):
            raise UserError(self.env._("Only a dunning manager can escalate invoices."))
        engine = self.env["account.dunning.engine"]
        partners = self.commercial_partner_id.filtered(lambda p: not p.dunning_excluded)
        _reminders, stats = engine._run(self.env.company, partner_ids=partners.ids, force=True, escalate=move_ids)
        stats["excluded"] = len(self.commercial_partner_id - partners)
        return engine._notification(stats, self.env._("Escalate to next level"))

    def action_view_dunning_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_dunning.action_account_dunning_reminder")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
