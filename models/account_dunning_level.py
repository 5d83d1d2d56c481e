from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

TONES = [
    ("courteous", "Courteous reminder"),
    ("firm", "Firm reminder"),
    ("last", "Last reminder"),
    ("formal_notice", "Formal notice"),
    ("litigation", "Litigation hand-off"),
]
CHANNELS = ("email", "letter", "registered", "sms", "phone")


class AccountDunningLevel(models.Model):
    """One step of a dunning policy: when it applies and how the customer is told."""

    _name = "account.dunning.level"
    _inherit = ["account.dunning.signatory.mixin"]
    _description = "Dunning Level"
    _order = "policy_id, days_overdue, id"

    policy_id = fields.Many2one("account.dunning.policy", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    name = fields.Char(required=True, translate=True)
    days_overdue = fields.Integer(
        required=True,
        help="The level applies once an invoice is this many days past its due date.",
    )
    wait_days = fields.Integer(
        default=7,
        help="Minimum number of days since the previous reminder of the invoice before this level is sent.",
    )
    notice_days = fields.Integer(
        default=8,
        help="Formal notices: days the customer is given to pay, counted from the acknowledgement of "
        "receipt of the registered letter (from sending until then). No higher level is sent before.",
    )
    tone = fields.Selection(TONES, required=True, default="courteous")
    channel_email = fields.Boolean("Email", default=True)
    channel_letter = fields.Boolean("Printed Letter")
    channel_registered = fields.Boolean("Registered Letter", help="Letter sent with acknowledgement of receipt.")
    channel_sms = fields.Boolean("SMS")
    channel_phone = fields.Boolean("Phone Call", help="Schedules a call activity for the dunning responsible.")
    mail_template_id = fields.Many2one(
        "mail.template",
        "Email Template",
        domain=[("model", "=", "account.dunning.reminder")],
    )
    report_id = fields.Many2one(
        "ir.actions.report",
        "Letter",
        domain=[("model", "=", "account.dunning.reminder")],
    )
    email_attach_letter = fields.Boolean(
        "Letter PDF in the Email",
        default=True,
        help="The email carries the letter as a PDF. Without it, the email's text is the letter (a lighter "
        "first reminder); printed and registered letters are printed either way.",
    )
    apply_fees = fields.Boolean(help="Late-payment interest and the fixed recovery indemnity are due.")
    manual_validation = fields.Boolean(
        help="Reminders of this level wait for a dunning manager to validate them before they are sent."
    )
    user_id = fields.Many2one("res.users", "Responsible", help="Gets the validation and phone-call activities.")
    letter_subject = fields.Char(
        translate=True,
        help="The subject line of its letters and emails; empty: the usual subject of its tone.",
    )
    wording_ids = fields.One2many(
        "account.dunning.wording",
        "level_id",
        "Wording",
        copy=True,
        help="What its letters and emails say, per language; without one, the standard text of its tone.",
    )

    _sql_constraints = [
        ("days_overdue_positive", "CHECK(days_overdue >= 0)", "Days overdue cannot be negative."),
        ("wait_days_positive", "CHECK(wait_days >= 0)", "Wait days cannot be negative."),
        ("notice_days_positive", "CHECK(notice_days >= 0)", "Notice days cannot be negative."),
        (
            "policy_days_unique",
            "UNIQUE(policy_id, days_overdue)",
            "Two levels of a policy cannot share the same days overdue.",
        ),
    ]

    @api.constrains(*(f"channel_{c}" for c in CHANNELS))
    def _check_channel(self):
        for level in self:
            if not any(level[f"channel_{c}"] for c in CHANNELS):
                raise ValidationError(_("Level %s needs at least one channel.", level.name))

    @api.constrains("tone", "days_overdue", "policy_id")
    def _check_tone_order(self):
        """A firmer letter never comes before a gentler one: the ladder a
        customer climbs only gets firmer as the days go by."""
        rank = {tone: index for index, (tone, _label) in enumerate(TONES)}
        tone_labels = dict(self._fields["tone"]._description_selection(self.env))
        for policy in self.policy_id:
            levels = policy.level_ids.sorted("days_overdue")
            for gentler, firmer in zip(levels[1:], levels[:-1], strict=True):
                if rank[gentler.tone] < rank[firmer.tone]:
                    raise ValidationError(
                        _(
                            "In policy %(policy)s, level %(later)s (%(later_tone)s, %(later_days)s days) comes "
                            "after level %(earlier)s (%(earlier_tone)s, %(earlier_days)s days) but is gentler. "
                            "Give it more days overdue than %(earlier)s or a firmer tone.",
                            policy=policy.display_name,
                            later=gentler.name,
                            later_tone=tone_labels[gentler.tone],
                            later_days=gentler.days_overdue,
                            earlier=firmer.name,
                            earlier_tone=tone_labels[firmer.tone],
                            earlier_days=firmer.days_overdue,
                        )
                    )

    @api.constrains("tone")
    def _check_wording_tone(self):
        """A wording written for one tone may name what another cannot (a payment date in a formal notice)."""
        for wording in self.wording_ids:
            wording._check_source(wording.body, wording.level_id.tone)

    def _reaches(self, days_late, days_since_last):
        """Whether an invoice `days_late` past due, reminded `days_since_last`
        days ago (None if never), may be moved to this level."""
        self.ensure_one()
        return days_late >= self.days_overdue and (days_since_last is None or days_since_last >= self.wait_days)

    def _channels(self):
        self.ensure_one()
        return [c for c in CHANNELS if self[f"channel_{c}"]]

    def _letter_title(self):
        """The level's name as a letter's heading, in the context language.
        A level copied from the shipped policy before that language was
        installed has only its English name: it takes the shipped level's
        translation of that name."""
        self.ensure_one()
        english = self.with_context(lang="en_US").name
        if self.name != english or (self.env.lang or "en_US").startswith("en"):
            return self.name
        # sudo: the shipped policy may belong to another company; only the
        # names of its levels are read.
        shipped = self.env.ref("account_dunning.dunning_policy_fr", raise_if_not_found=False)
        if not shipped:
            return self.name
        shipped = shipped.sudo()
        same = shipped.level_ids.filtered(lambda level: level.with_context(lang="en_US").name == english)[:1]
        return same.with_context(lang=self.env.lang).name if same else self.name
