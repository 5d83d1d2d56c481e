"""One wkhtmltopdf call per printing of this addon's reports, the same PDF
whichever process prints, and the legal footer on every page.

wkhtmltopdf as packaged by Linux distributions (unpatched Qt) accepts a single
input document and drops Odoo's report header and footer.  So, for the
documents of our reports:

- they are merged into one (each record starting on a new page) before
  wkhtmltopdf runs;
- the web assets are not loaded: our templates style themselves inline, and a
  process that cannot reach the web server (a shell, a cron worker, a test)
  prints the same letter, without network errors;
- the legal footer each document carries (hidden, see the
  `dunning_letterhead` template) and its page numbers ("Page 1/3", counted per
  document) are stamped at the foot of every page of the PDF.
"""

import lxml.html

from odoo import api, models

from .ir_actions_report_pdf import page_count, repeat_table_headers, stamp_footers, wkhtmltopdf_renders_footers

OWN_REPORTS_PREFIX = "account_dunning."
MAX_TABLE_CUTS = 8  # printings of a document whose long tables are cut


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _run_wkhtmltopdf(
        self,
        bodies,
        report_ref=False,
        header=None,
        footer=None,
        landscape=False,
        specific_paperformat_args=None,
        set_viewport_size=False,
    ):
        # EXTENDS 'base': our documents become one, without web assets, and
        # get their footer stamped.
        def run(bodies, header=header, footer=footer):
            return super(IrActionsReport, self)._run_wkhtmltopdf(
                bodies,
                report_ref=report_ref,
                header=header,
                footer=footer,
                landscape=landscape,
                specific_paperformat_args=specific_paperformat_args,
                set_viewport_size=set_viewport_size,
            )

        if not self._is_dunning_report(report_ref):
            return run(bodies)
        document = lxml.html.fromstring(self._merge_documents(bodies))
        self._drop_web_assets(document)
        footers = self._document_footers(document)
        # Empty header and footer (our templates have none) are not passed:
        # Debian's wkhtmltopdf would only warn that it ignores them.
        header = header if self._has_content(header, "header") else None
        footer = footer if self._has_content(footer, "footer") else None

        def print_document(document):
            html = lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")
            return run([html], header=header, footer=footer)

        pdf = print_document(document)
        for _attempt in range(MAX_TABLE_CUTS):
            if page_count(pdf) <= len(footers) or not repeat_table_headers(document, pdf):
                break
            pdf = print_document(document)  # a long table cut where it ran over a page
        # A patched wkhtmltopdf printed the footer the report brought, if any: not twice.
        footer_printed = wkhtmltopdf_renders_footers() and footer
        if not footers or footer_printed:
            return pdf
        return stamp_footers(pdf, footers)

    @api.model
    def _is_dunning_report(self, report_ref):
        if not report_ref:
            return False
        return (self._get_report(report_ref).report_name or "").startswith(OWN_REPORTS_PREFIX)

    @api.model
    def _merge_documents(self, bodies):
        """One HTML document: the <body> content of every document appended to
        the first one, each starting on a new page."""
        if len(bodies) == 1:
            return bodies[0]
        first = lxml.html.fromstring(bodies[0])
        target = first.find("body")
        for body in bodies[1:]:
            page = lxml.html.Element("div", style="page-break-before: always;")
            page.extend(lxml.html.fromstring(body).find("body"))
            target.append(page)
        return lxml.html.tostring(first, encoding="unicode", doctype="<!DOCTYPE html>")

    @api.model
    def _drop_web_assets(self, document):
        """Remove the stylesheets and scripts wkhtmltopdf would fetch from the
        web server: our documents are styled inline."""
        for node in document.xpath("//link[@rel='stylesheet'] | //script[@src]"):
            node.getparent().remove(node)

    @api.model
    def _document_footers(self, document):
        """[(footer lines, page label)] of the documents, in order."""
        return [
            (
                [line.text_content().strip() for line in stamp.find_class("o_dunning_stamp_line")],
                "".join(node.text_content() for node in stamp.find_class("o_dunning_stamp_page")).strip(),
            )
            for stamp in document.find_class("o_dunning_stamp")
        ]

    @api.model
    def _has_content(self, html, css_class):
        """Whether the header or footer document `html` shows anything."""
        if not html:
            return False
        root = lxml.html.fromstring(html)
        return any(node.text_content().strip() or len(node) for node in root.find_class(css_class))
