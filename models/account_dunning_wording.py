"""The wording of a level's letters and emails, per language, owned by the user.

A wording is rich text with placeholders such as ``{{customer}}`` or
``{{deadline}}``: the letter replaces each with its value (escaped).  Two
placeholders stand for the statutory parts, which stay the addon's:
``{{invoices}}`` (invoices, fees with their interest table, totals) and
``{{payment}}`` (the legal mention of late fees, how to pay, "if you have
already paid"); a wording must keep both, each on a line of its own.  The
creditor's identity, the subject line and the signature frame every letter
whatever the wording says.

A level without wording in a language uses the standard wording of its tone
in that language (see _standard_body), so a letter never mixes languages and
the standard texts follow the addon's updates.
"""

import functools
import re

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import html2plaintext

BLOCKS = ("invoices", "payment")
INLINE = (
    "salutation",
    "customer",
    "company",
    "reference",
    "total",
    "deadline",
    "notice_days",
    "still_unpaid",
    "previous_reminders",
    "fees_notice",
    "legal_action",
    "handover",
    "contact",
    "closing",
)
# Tones whose deadline runs from the receipt of a registered letter, or that
# set none: their wording cannot name a date.
NO_DEADLINE_TONES = ("formal_notice", "litigation")
# The first reminders ask politely: they threaten nothing, in any language
# (harassment of a debtor is an offence; threats are for the last reminder,
# the formal notice and the litigation letter, and say what will follow).
GENTLE_TONES = ("courteous", "firm")
THREATS = {
    "en": (
        "bailiff",
        "court",
        "courts",
        "lawsuit",
        "sue",
        "legal action",
        "legal proceedings",
        "proceedings",
        "formal notice",
        "debt collector",
        "debt collection agency",
        "seize",
        "seizure",
        "prosecute",
        "blacklist",
        "litigation",
    ),
    "fr": (
        "huissier",
        "commissaire de justice",
        "tribunal",
        "tribunaux",
        "poursuites",
        "poursuivre",
        "procédure judiciaire",
        "action en justice",
        "mise en demeure",
        "contentieux",
        "injonction",
        "saisie",
        "recouvrement judiciaire",
        "société de recouvrement",
    ),
    # The languages a French company most often writes to its customers in.
    "de": (
        "Gerichtsvollzieher",
        "Gericht",
        "Klage",
        "verklagen",
        "rechtliche Schritte",
        "gerichtliches Mahnverfahren",
        "Mahnbescheid",
        "Inkassobüro",
        "Inkasso",
        "Pfändung",
        "Zwangsvollstreckung",
    ),
    "es": (
        "tribunal",
        "tribunales",
        "demanda judicial",
        "acciones legales",
        "procedimiento judicial",
        "cobro judicial",
        "embargo",
        "agencia de cobro",
    ),
    "it": (
        "ufficiale giudiziario",
        "tribunale",
        "azione legale",
        "azioni legali",
        "decreto ingiuntivo",
        "pignoramento",
        "recupero crediti",
    ),
    "nl": (
        "deurwaarder",
        "rechtbank",
        "gerechtelijke stappen",
        "dagvaarding",
        "incassobureau",
        "beslaglegging",
    ),
}
THREAT_RE = re.compile(
    r"\b(%s)\b"
    % "|".join(sorted({re.escape(word) for words in THREATS.values() for word in words}, key=len, reverse=True)),
    re.IGNORECASE,
)
THREAT_PLACEHOLDERS = ("legal_action", "handover")

TOKEN_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# A statutory block alone in its paragraph (the editor wraps every line in one).
BLOCK_RE = re.compile(
    r"<p\b[^>]*>\s*(?:<br\s*/?>\s*)*\{\{\s*(%s)\s*\}\}\s*(?:<br\s*/?>\s*)*</p>|\{\{\s*(%s)\s*\}\}"
    % ("|".join(BLOCKS), "|".join(BLOCKS))
)
# A paragraph left empty once its placeholders are replaced.
EMPTY_PARAGRAPH_RE = re.compile(r"<p\b[^>]*>(?:\s|&nbsp;|<br\s*/?>|<(strong|b|em|i|u)>\s*</\1>)*</p>")


def token(name):
    return "{{%s}}" % name


@functools.lru_cache(maxsize=256)
def split_wording(source):
    """(segments, inline names): the wording cut at its statutory blocks,
    [(kind, html)] where kind is "html" or a block name, and the inline
    placeholders it uses.  Pure, cached: parsed once per text, not per letter."""
    segments, start = [], 0
    for match in BLOCK_RE.finditer(source):
        segments.append(("html", source[start : match.start()]))
        segments.append((match.group(1) or match.group(2), ""))
        start = match.end()
    segments.append(("html", source[start:]))
    names = frozenset(TOKEN_RE.findall(source)) & frozenset(INLINE)
    return tuple((kind, text) for kind, text in segments if kind != "html" or text.strip()), names


def fill_wording(html, values):
    """`html` with each inline placeholder replaced by its value, escaped,
    and the paragraphs left empty removed."""
    filled = TOKEN_RE.sub(lambda match: escape(values.get(match.group(1), "")), html)
    return Markup(EMPTY_PARAGRAPH_RE.sub("", filled))


class AccountDunningWording(models.Model):
    """What the letters and emails of one level say, in one language."""

    _name = "account.dunning.wording"
    _description = "Dunning Letter Wording"
    _order = "policy_id, level_id, lang"
    _rec_name = "level_id"

    level_id = fields.Many2one(
        "account.dunning.level",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('policy_id', '=', policy_id)]",
    )
    # Its level's policy, stored for the policy form's list of wordings.
    policy_id = fields.Many2one(
        "account.dunning.policy",
        required=True,
        ondelete="cascade",
        index=True,
        copy=False,
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    tone = fields.Selection(related="level_id.tone")
    lang = fields.Selection(
        "_lang_selection",
        "Language",
        required=True,
        default=lambda self: self.env.lang or "en_US",
        help="Customers writing in this language get this wording.",
    )
    subject = fields.Char(help="The subject line of the letter and of the email's subject; empty: the usual one.")
    body = fields.Html(
        "Wording",
        required=True,
        help="The text of the letter and of the email. Placeholders between double braces are replaced by "
        "their values; the invoices table and the payment details must stay.",
    )
    placeholder_help = fields.Html(compute="_compute_placeholder_help", sanitize=False)
    preview = fields.Html(compute="_compute_preview", sanitize=False)
    preview_note = fields.Char(compute="_compute_preview")

    _sql_constraints = [
        ("level_lang_unique", "UNIQUE(level_id, lang)", "A level has one wording per language."),
    ]

    @api.model
    def _lang_selection(self):
        return self.env["res.lang"].get_installed()

    @api.model_create_multi
    def create(self, vals_list):
        """A level's copy (a policy's copy) words its new level without naming its policy."""
        Level = self.env["account.dunning.level"]
        for vals in vals_list:
            if vals.get("level_id") and not vals.get("policy_id"):
                vals["policy_id"] = Level.browse(vals["level_id"]).policy_id.id
        return super().create(vals_list)

    # ---- COMPUTE ----

    @api.depends_context("lang")
    def _compute_placeholder_help(self):
        rows = Markup("").join(
            Markup("<tr><td><code>%s</code></td><td>%s</td></tr>") % (token(name), label)
            for name, label in self._placeholder_labels().items()
        )
        self.placeholder_help = Markup('<table class="table table-sm">%s</table>') % rows

    @api.depends("body", "subject", "lang", "level_id")
    def _compute_preview(self):
        """The wording as the customer reads it: with the latest reminder of
        its level when there is one, else with sample values."""
        Reminder = self.env["account.dunning.reminder"]
        for wording in self:
            wording.preview, wording.preview_note = False, False
            if not wording.level_id or not wording.body or not wording.lang:
                continue
            try:
                wording._check_source(wording.body, wording.level_id.tone)
            except ValidationError as error:
                wording.preview_note = error.args[0]
                continue
            lang = wording.lang
            reminder = Reminder.search([("level_id", "=", wording.level_id._origin.id)], order="id desc", limit=1)
            if reminder:
                reminder = reminder.with_context(lang=lang)
                wording.preview = (
                    self.env["ir.qweb"]
                    .with_context(lang=lang)
                    ._render(
                        "account_dunning.dunning_letter_body",
                        {"reminder": reminder, "wording": (wording.subject, wording.body)},
                    )
                )
                wording.preview_note = self.env._("As reminder %s would have said it.", reminder.reference)
            else:
                wording.preview = wording.with_context(lang=lang)._sample_preview()
                wording.preview_note = self.env._("With sample values: this level has sent no reminder yet.")

    def _sample_preview(self):
        """The wording with its placeholders shown by name, in a frame, for a
        level that has no reminder to show it with."""
        self.ensure_one()
        labels = self._placeholder_labels()
        samples = {name: f"[{label}]" for name, label in labels.items()}
        segments, _names = split_wording(str(self.body))
        html = Markup("")
        for kind, text in segments:
            if kind == "html":
                html += fill_wording(text, samples)
            else:
                html += Markup('<p style="border: 1px dashed #999; padding: 4px;"><em>%s</em></p>') % labels[kind]
        return html

    # ---- PLACEHOLDERS ----
    @api.model
    def _placeholder_labels(self):
        """{placeholder: what it is replaced by}, in the context language."""
        _ = self.env._
        return {
            "invoices": _("The invoices table, with the late fees, their interest table and the totals (required)"),
            "payment": _("The legal mention of late fees, how to pay and the already-paid sentence (required)"),
            "salutation": _("Dear Sir or Madam, or the individual's title and name"),
            "customer": _("The customer's name"),
            "company": _("Your company's name"),
            "reference": _("The reminder's reference"),
            "total": _("The total to pay, fees included"),
            "deadline": _("The date by which payment is asked (the level's notice days after the letter)"),
            "notice_days": _("The level's notice days"),
            "still_unpaid": _("That the invoices remain unpaid, despite the previous reminders if any"),
            "previous_reminders": _("The previous reminders of these invoices, with their dates"),
            "fees_notice": _("The late fees this letter claims or that will be claimed (professional customers)"),
            "legal_action": _("That legal action will follow, with the late fees for professional customers"),
            "handover": _("That the file is handed over for recovery, and despite what"),
            "contact": _("Your contact for this file, with email and phone"),
            "closing": _("The closing formula matching the salutation"),
        }

    @api.constrains("body", "level_id", "policy_id")
    def _check_body(self):
        for wording in self:
            if wording.level_id.policy_id != wording.policy_id:
                raise ValidationError(self.env._("A wording words a level of its own policy."))
            wording._check_source(wording.body, wording.level_id.tone)

    @api.model
    def _check_source(self, source, tone):
        """Refuse a wording naming an unknown placeholder, a broken one, or
        missing a statutory block; it is checked when saved, never while a
        letter is printed."""
        _ = self.env._
        source = str(source or "")
        names = set(TOKEN_RE.findall(source))
        unknown = sorted(names - set(INLINE + BLOCKS))
        if unknown:
            raise ValidationError(
                _(
                    "Unknown placeholders: %(unknown)s. Use: %(known)s.",
                    unknown=", ".join(token(name) for name in unknown),
                    known=", ".join(token(name) for name in BLOCKS + INLINE),
                )
            )
        rest = TOKEN_RE.sub("", source)
        if "{{" in rest or "}}" in rest:
            raise ValidationError(_("A placeholder is not closed: write it as {{customer}}, between double braces."))
        for block in BLOCKS:
            alone = [m for m in BLOCK_RE.finditer(source) if block in (m.group(1), m.group(2))]
            if not alone:
                raise ValidationError(
                    _(
                        "The wording must keep %(placeholder)s: it carries what the law requires a reminder to state.",
                        placeholder=token(block),
                    )
                )
            if len(alone) > 1:
                raise ValidationError(_("%(placeholder)s may appear only once.", placeholder=token(block)))
            if alone[0].group(2):
                raise ValidationError(_("Put %(placeholder)s on a line of its own.", placeholder=token(block)))
        if tone in GENTLE_TONES:
            text = html2plaintext(TOKEN_RE.sub(" ", source))
            threats = sorted({match.lower() for match in THREAT_RE.findall(text)})
            threats += [token(name) for name in THREAT_PLACEHOLDERS if name in names]
            if threats:
                raise ValidationError(
                    _(
                        "A courteous or firm reminder asks, it does not threaten: remove %(threats)s. Legal "
                        "action belongs to the last reminder, the formal notice and the litigation letter.",
                        threats=", ".join(threats),
                    )
                )
        if tone in NO_DEADLINE_TONES and "deadline" in names:
            raise ValidationError(
                _(
                    "A formal notice or a litigation letter cannot name a payment date: its delay runs from "
                    "receipt. Use %(placeholder)s.",
                    placeholder=token("notice_days"),
                )
            )

    # ---- STANDARD WORDING ----
    @api.onchange("level_id", "lang")
    def _onchange_fill_standard(self):
        """A new wording starts from the standard text of its level's tone, in its language."""
        for wording in self:
            if wording.level_id and wording.lang and not wording.body:
                wording.body = self.with_context(lang=wording.lang)._standard_body(wording.level_id.tone)

    @api.model
    def _standard_body(self, tone):
        """The addon's wording of `tone`, in the context language: the texts
        the letters have always said, placeholders where values go."""
        _ = self.env._
        paragraphs = [token("salutation")]
        if tone == "courteous":
            paragraphs.append(
                _(
                    "Unless we are mistaken, the following invoices remain unpaid although their due date has "
                    "passed. It may be an oversight: we would be grateful if you could settle them at your "
                    "earliest convenience."
                )
            )
        elif tone == "firm":
            paragraphs.append(
                token("still_unpaid")
                + " "
                + _(
                    "Please settle them within %(days)s days. If you are facing difficulties, contact us: we can "
                    "agree on a payment plan.",
                    days=token("notice_days"),
                )
            )
        elif tone == "last":
            paragraphs.append(
                " ".join(
                    [
                        _("This is our last reminder before recovery proceedings."),
                        token("still_unpaid"),
                        _(
                            "Without payment within %(days)s days, your file will be handed over to our recovery "
                            "department.",
                            days=token("notice_days"),
                        ),
                        token("fees_notice"),
                    ]
                )
            )
        elif tone == "formal_notice":
            paragraphs.append(
                " ".join(
                    [
                        token("still_unpaid"),
                        _(
                            "By this letter, we give you formal notice, under article 1344 of the French Civil "
                            "Code, to pay the amount below within %(days)s days of receipt of this letter.",
                            days=token("notice_days"),
                        ),
                        token("fees_notice"),
                        token("legal_action"),
                    ]
                )
            )
        elif tone == "litigation":
            paragraphs.append(token("handover"))
        paragraphs += [token("previous_reminders"), token("invoices")]
        html = Markup("").join(Markup("<p>%s</p>") % paragraph for paragraph in paragraphs)
        if tone == "last":
            html += Markup("<p><strong>%s</strong></p>") % _(
                "Without payment by %(date)s, your file will be handed over to our recovery department "
                "on the following day.",
                date=token("deadline"),
            )
        elif tone == "firm":
            html += Markup("<p><strong>%s</strong></p>") % _("Please pay by %s.", token("deadline"))
        return html + Markup("").join(Markup("<p>%s</p>") % token(name) for name in ("payment", "contact", "closing"))
