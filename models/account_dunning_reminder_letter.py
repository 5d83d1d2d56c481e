"""Letters: render a batch of reminder letters in one wkhtmltopdf call.

wkhtmltopdf as packaged by Linux distributions (unpatched Qt) accepts a single
input document and ignores outlines, so Odoo's usual multi-document rendering
and outline-based splitting do not work there.  All letters of a batch are
therefore merged into one HTML document (a page break between letters, see
`ir.actions.report._merge_documents`), printed once, and the PDF is cut back
per letter with the reference printed on each letter's first page.
"""

import io
import logging
import re

from odoo import _, api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

_logger = logging.getLogger(__name__)

DEFAULT_REPORT = "account_dunning.action_report_dunning_letter"


def _resolve(pdf_object):
    """The object behind an indirect PDF reference (pypdf and PyPDF2 names)."""
    if pdf_object is None:
        return None
    resolve = getattr(pdf_object, "get_object", None) or getattr(pdf_object, "getObject", None)
    return resolve() if resolve else pdf_object


REFERENCE_RE = re.compile(r"RMD(\d{6,})")


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    reference = fields.Char(
        compute="_compute_reference",
        search="_search_reference",
        help="Printed on the letter; quote it when paying.",
    )

    @api.depends()
    def _compute_reference(self):
        for reminder in self:
            reminder.reference = f"RMD{reminder.id:06d}" if reminder.id else False

    def _search_reference(self, operator, value):
        """'RMD000042', 'rmd42' or '42' finds reminder 42."""
        positive = operator in ("=", "ilike", "like", "=ilike", "=like")
        if not isinstance(value, str) or not (positive or operator in ("!=", "not ilike", "not like")):
            raise UserError(_("Search a reminder by its reference, e.g. RMD000042."))
        digits = value.strip().upper().removeprefix("RMD")
        return [("id", "=" if positive else "!=", int(digits) if digits.isdigit() else False)]

    def _letter_filename(self):
        self.ensure_one()
        return _("Reminder-%(date)s-%(partner)s", date=self.date, partner=self.partner_id.name or "").replace("/", "-")

    def _letter_report(self):
        """The level's letter, else the one shipped; empty when both were
        deleted (the reminder then fails, see _dispatch_errors)."""
        self.ensure_one()
        return (
            self.level_id.report_id
            or self.env.ref(DEFAULT_REPORT, raise_if_not_found=False)
            or self.env["ir.actions.report"]
        )

    def _dispatch_letters(self):
        """Render the letters, one rendering per report and language, and attach them."""
        for report, reminders in self.grouped(lambda r: r._letter_report()).items():
            for lang, same_lang in reminders.grouped("lang").items():
                # The emails of this dispatch reuse the bodies these letters render.
                same_lang.with_context(lang=lang, dunning_keep_mail_bodies=True)._attach_letters(report)

    def _attach_letters(self, report):
        with self._history_read_once():
            contents, mimetype = self._render_letters(report)
        extension = "pdf" if mimetype == "application/pdf" else "html"
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": f"{reminder._letter_filename()}.{extension}",
                    "raw": contents[reminder.id],
                    "mimetype": mimetype,
                    "res_model": self._name,
                    "res_id": reminder.id,
                }
                for reminder in self
            ]
        )
        for reminder, attachment in zip(self, attachments, strict=True):
            reminder.letter_attachment_id = attachment

    def _render_letters(self, report):
        """({reminder id: content}, mimetype) for the letters of self."""
        Report = self.env["ir.actions.report"]
        if modules.module.current_test and not self.env.context.get("force_report_rendering"):
            # Tests get HTML, as Odoo's own reports do.
            return {r.id: Report._render_qweb_html(report, r.ids)[0] for r in self}, "text/html"
        pdf = self._print_batch(report)
        pages = self._split_per_letter(pdf)
        if set(pages) == set(self.ids):
            return pages, "application/pdf"
        _logger.warning("Reminder letters could not be split per letter; printing them one by one.")
        return {r.id: r._print_batch(report) for r in self}, "application/pdf"

    def _print_batch(self, report):
        """One PDF with all letters of self, from a single wkhtmltopdf call."""
        Report = self.env["ir.actions.report"].with_context(debug=False)
        html = Report._render_qweb_html(report, self.ids, data={"debug": False})[0]
        bodies, _ids, header, footer, paper_args = Report._prepare_html(html, report_model=report.model)
        return Report._run_wkhtmltopdf(
            [Report._merge_documents(bodies)],
            report_ref=report,
            header=header,
            footer=footer,
            specific_paperformat_args=paper_args,
        )

    @api.model
    def _split_per_letter(self, pdf):
        """{reminder id: PDF bytes}: a letter runs from the page showing its
        reference to the page before the next one.  The reference is read
        from the page's links (see _reference_url), else from the page text
        with the PDF library Odoo ships: no external program is needed."""
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        pages = [reader.getPage(index) for index in range(reader.getNumPages())]
        found = [self._page_link_reference(page) for page in pages]
        if not any(found):  # a letter of another design, without the link
            found = [REFERENCE_RE.search(self._page_text(page)) for page in pages]
        owners, current = [], None
        for match in found:
            current = int(match.group(1)) if match else current
            owners.append(current)
        writers = {}
        for page, owner in zip(pages, owners, strict=True):
            if owner is None:
                return {}
            writers.setdefault(owner, PdfFileWriter()).addPage(page)
        result = {}
        for res_id, writer in writers.items():
            stream = io.BytesIO()
            writer.write(stream)
            result[res_id] = stream.getvalue()
        return result

    @staticmethod
    def _page_link_reference(page):
        """The reminder reference in the links of a page, as a match, or None."""
        for annotation in _resolve(page.get("/Annots")) or []:
            action = _resolve(_resolve(annotation).get("/A"))
            uri = action.get("/URI") if action else None
            match = REFERENCE_RE.search(str(uri)) if uri else None
            if match:
                return match
        return None

    @staticmethod
    def _page_text(page):
        # pypdf and PyPDF2 >= 2 name it extract_text; PyPDF2 1.x extractText.
        extract = getattr(page, "extract_text", None) or page.extractText
        return extract() or ""
