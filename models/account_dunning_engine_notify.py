"""What a dunning run tells the user who started it from a list."""

from odoo import api, models


class AccountDunningEngine(models.AbstractModel):
    _inherit = "account.dunning.engine"

    def _skip_reason_labels(self):
        return {
            "busy": self.env._("already reminded today or waiting for validation"),
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
        for reason, label in self._skip_reason_labels().items():
            if stats.get(reason):
                parts.append(self.env._("%(count)s skipped: %(reason)s", count=stats[reason], reason=label))
        return self._client_notification(title, "; ".join(parts), "success" if stats.get("reminders") else "warning")

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
