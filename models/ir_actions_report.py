"""One wkhtmltopdf call per printing of this addon's reports.

wkhtmltopdf as packaged by Linux distributions (unpatched Qt) accepts a single
input document: Odoo passes one document per record, so printing several
letters or statements at once fails there.  The documents of our reports are
merged into one (each record starting on a new page) before wkhtmltopdf runs.
"""

import lxml.html

from odoo import api, models

OWN_REPORTS_PREFIX = "account_dunning."


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
        # EXTENDS 'base': several documents of our reports become one.
        if len(bodies) > 1 and self._is_dunning_report(report_ref):
            bodies = [self._merge_documents(bodies)]
        return super()._run_wkhtmltopdf(
            bodies,
            report_ref=report_ref,
            header=header,
            footer=footer,
            landscape=landscape,
            specific_paperformat_args=specific_paperformat_args,
            set_viewport_size=set_viewport_size,
        )

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
