"""A letter variant may also change how its reminders go out: its own
channels instead of the level's (a postal letter added to the email, an
email alone), so that an experiment measures whether the channel mix gets
paid more often.

The channels are written on the reminder when its variant is drawn, before
it is dispatched, and the checks before chasing (a contact email, the bank
details) read them; a user who picked the channels when sending by hand
keeps them.
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .account_dunning_level import CHANNELS


class AccountDunningVariant(models.Model):
    _inherit = "account.dunning.variant"

    own_channels = fields.Boolean(
        "Own Channels", help="This variant's reminders go out by the channels below instead of the level's."
    )
    channel_email = fields.Boolean("Email")
    channel_letter = fields.Boolean("Printed Letter")
    channel_registered = fields.Boolean("Registered Letter", help="Letter sent with acknowledgement of receipt.")
    channel_sms = fields.Boolean("SMS")
    channel_phone = fields.Boolean("Phone Call", help="Schedules a call activity for the dunning responsible.")
    channels_label = fields.Char("Channels", compute="_compute_channels_label")

    @api.depends("own_channels", *(f"channel_{channel}" for channel in CHANNELS))
    def _compute_channels_label(self):
        for variant in self:
            source = variant if variant.own_channels else variant.level_id
            variant.channels_label = ", ".join(
                source._fields[f"channel_{channel}"].get_description(self.env)["string"]
                for channel in source._channels()
            )

    def _channels(self):
        """Its own channels, as the level's `_channels`."""
        self.ensure_one()
        return [channel for channel in CHANNELS if self[f"channel_{channel}"]]

    @api.constrains("own_channels", *(f"channel_{channel}" for channel in CHANNELS))
    def _check_own_channels(self):
        for variant in self.filtered("own_channels"):
            if not any(variant[f"channel_{channel}"] for channel in CHANNELS):
                raise ValidationError(_("Variant %s has its own channels: choose at least one.", variant.name))


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    def _apply_variant_channels(self):
        """The drawn variant's own channels replace the level's on these
        new reminders, in one statement."""
        if not self:
            return
        self.flush_model(["variant_id"])
        names = SQL(", ").join(SQL.identifier(f"channel_{channel}") for channel in CHANNELS)
        values = SQL(", ").join(SQL.identifier("v", f"channel_{channel}") for channel in CHANNELS)
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_dunning_reminder r
                   SET (%(names)s) = (%(values)s)
                  FROM account_dunning_variant v
                 WHERE v.id = r.variant_id AND v.own_channels AND r.id IN %(ids)s
                """,
                names=names,
                values=values,
                ids=tuple(self.ids),
            )
        )
        self.invalidate_recordset([f"channel_{channel}" for channel in CHANNELS])


class AccountDunningEngine(models.AbstractModel):
    _inherit = "account.dunning.engine"

    def _variant_own_channels(self, plans):
        """{partner id: channels} of the customers of `plans` drawn into a
        variant with its own channels, for the checks before chasing."""
        variants = self.env["account.dunning.variant"].sudo().browse({plan.variant_id for plan in plans} - {None})
        own = {variant.id: set(variant._channels()) for variant in variants if variant.own_channels}
        return {plan.partner_id: own[plan.variant_id] for plan in plans if plan.variant_id in own}
