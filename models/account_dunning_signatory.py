"""Who signs the letters of a level or a policy: a user or a name, and a title.

A formal notice ends with a named signatory and their title.  A level names
its own, else its policy's, else the company's default policy's (see
``account.dunning.reminder._signatory``); never the scheduler's bot.
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class AccountDunningSignatoryMixin(models.AbstractModel):
    _name = "account.dunning.signatory.mixin"
    _description = "Dunning Letter Signatory"

    signatory_id = fields.Many2one(
        "res.users",
        "Signatory",
        domain=[("share", "=", False)],
        help="Signs the letters; leave empty to use the policy's, then the company's default policy's.",
    )
    signatory_name = fields.Char(help="Signs the letters when no signatory user is set.")
    signatory_title = fields.Char(translate=True, help="Printed under the signatory's name, e.g. Credit Manager.")

    @api.constrains("signatory_id")
    def _check_signatory(self):
        for record in self.filtered("signatory_id"):
            user = record.signatory_id
            if user._is_superuser() or user._is_public() or user.share:
                raise ValidationError(
                    _("%s cannot sign letters: choose an employee of the company.", user.display_name)
                )

    def _signatory_name(self):
        """The name this record signs with, or an empty string."""
        self.ensure_one()
        return self.signatory_id.name or (self.signatory_name or "").strip()
