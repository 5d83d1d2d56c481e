"""What a dunning run tells the user who started it from a list."""

from odoo import api, models
from odoo.tools import format_date


class AccountDunningEngine(models.AbstractModel):
    _inherit = "account.dunning.engine"

    def _skip_reason_labels(self):
        return {
            "pending": self.env._("a reminder waits for validation or sending"),
            "failed": self.env._("a failed reminder must be sent again or cancelled first"),
            "today": self.env._("already reminded today"),
            "too_soon": self.env._("reminded within the policy's minimum interval"),
            "too_many": self.env._("the policy's most reminders over its period were sent"),
            "notice_limit": self.env._(
                "its invoices had the policy's most reminders before the formal notice, not yet due"
            ),
            "not_working_day": self.env._("its level texts or calls: it waits for the next working day"),
            "nothing_new": self.env._("no invoice reached a new level"),
            "not_late_enough": self.env._("not late enough for the first level"),
            "credits_cover": self.env._("unapplied payments or credit notes cover the amount"),
            "no_policy": self.env._("no dunning policy"),
            "excluded": self.env._("customer set to Do Not Dun"),
        }

    def _notification(self, stats, title):
        """A client notification saying what a run did, for list actions."""
        parts = [self.env._("%s reminder(s) created", stats.get("reminders", 0))]
        if stats.get("to_validate"):
            parts.append(self.env._("%s waiting for validation", stats["to_validate"]))
        if stats.get("partial"):
            parts.append(
                self.env._(
                    "%(count)s only for the invoices not reminded recently (%(customers)s)",
                    count=len(stats["partial"]),
                    customers=self._partner_names(stats["partial"]),
                )
            )
        skipped = stats.get("skipped") or {}
        for reason, label in self._skip_reason_labels().items():
            if stats.get(reason):
                names = self._partner_names([pid for pid, why in skipped.items() if why == reason])
                if names:
                    label = self.env._("%(reason)s (%(customers)s)", reason=label, customers=names)
                parts.append(self.env._("%(count)s skipped: %(reason)s", count=stats[reason], reason=label))
        return self._client_notification(title, "; ".join(parts), "success" if stats.get("reminders") else "warning")

    def _block_message(self, partner, block):
        """What a user reads when the sending guard stops a reminder."""
        partner = partner.commercial_partner_id
        if block.kind == "pending":
            return self.env._(
                "A reminder to %(partner)s (%(reference)s) waits for validation or sending: validate or cancel it "
                "first.",
                partner=partner.display_name,
                reference=block.reference,
            )
        if block.kind == "failed":
            return self.env._(
                "The last reminder to %(partner)s (%(reference)s) failed: fix its cause and send it again, or "
                "cancel it.",
                partner=partner.display_name,
                reference=block.reference,
            )
        if block.kind == "too_many":
            return self.env._(
                "%(partner)s received %(count)s reminders over the last %(days)s days, the most the policy "
                "allows; the next one may go on %(date)s.",
                partner=partner.display_name,
                count=block.count,
                days=block.days,
                date=format_date(self.env, block.date),
            )
        invoices = self._move_names(block.move_ids)
        if block.kind == "today":
            return self.env._(
                "%(partner)s already received a reminder today for %(invoices)s.",
                partner=partner.display_name,
                invoices=invoices,
            )
        return self.env._(
            "%(partner)s was reminded on %(date)s for %(invoices)s; the policy asks for %(days)s days between "
            "two reminders.",
            partner=partner.display_name,
            date=format_date(self.env, block.date),
            invoices=invoices,
            days=block.days,
        )

    def _partner_names(self, partner_ids, limit=5):
        """'A, B, C and 2 more': who a notification is about."""
        return self._record_names(self.env["res.partner"].browse(partner_ids), limit)

    def _move_names(self, move_ids, limit=5):
        return self._record_names(self.env["account.move"].browse(sorted(move_ids)), limit)

    def _record_names(self, records, limit):
        names = ", ".join(records[:limit].mapped("display_name"))
        if len(records) > limit:
            names = self.env._("%(names)s and %(count)s more", names=names, count=len(records) - limit)
        return names

    def _managers(self, company):
        """The dunning managers of `company`: people to ask, never the bot."""
        return self.env.ref("account_dunning.group_dunning_manager").users.filtered(
            lambda user: user.active and not user.share and not user._is_superuser() and company in user.company_ids
        )

    @api.model
    def _client_notification(self, title, message, kind="success"):
        """The notification every list action returns, then reloads the list."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
