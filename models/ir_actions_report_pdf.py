"""The PDF side of printing this addon's reports with Debian's wkhtmltopdf
(unpatched Qt): the legal footer and page numbers stamped on every page, and
long tables cut so that each page shows their headers.  Plain functions over
PDF bytes and lxml documents, used by models/ir_actions_report.py."""

import copy
import io
import logging
import re
import subprocess
from functools import lru_cache

import lxml.html
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from odoo.tools.pdf import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, PdfFileReader, PdfFileWriter

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

_logger = logging.getLogger(__name__)

# The link on the first page of each document: a reminder's reference, or the
# customer of a statement (see _reference_url and _dunning_statement_url).
DOCUMENT_START_RE = re.compile(r"#((?:RMD|STM)\d{6,})$")
FOOTER_FONT = "Helvetica"
FOOTER_SIZE = 7.0
FOOTER_WIDTH = 170 * mm  # the text width of the letter


@lru_cache(maxsize=1)
def wkhtmltopdf_renders_footers():
    """Whether the wkhtmltopdf installed prints Odoo's header and footer
    (built with patched Qt)."""
    try:
        version = subprocess.run([_get_wkhtmltopdf_bin(), "--version"], capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return b"patched qt" in version.stdout.lower()


def _resolve(pdf_object):
    """The object behind an indirect PDF reference (pypdf and PyPDF2 names)."""
    if pdf_object is None:
        return None
    resolve = getattr(pdf_object, "get_object", None) or getattr(pdf_object, "getObject", None)
    return resolve() if resolve else pdf_object


def document_start(page):
    """The document marker in the links of a PDF page, or None."""
    for annotation in _resolve(page.get("/Annots")) or []:
        action = _resolve(_resolve(annotation).get("/A"))
        uri = action.get("/URI") if action else None
        match = DOCUMENT_START_RE.search(str(uri)) if uri else None
        if match:
            return match.group(1)
    return None


def page_numbers(pages, document_count):
    """[(page in its document, pages of its document)] for each page, or None
    when the documents cannot be told apart."""
    owners = [0] * len(pages)
    if document_count > 1:
        index, last = -1, None
        for position, page in enumerate(pages):
            marker = document_start(page)
            if marker and marker != last:
                index, last = index + 1, marker
            if index < 0:
                return None
            owners[position] = index
        if index + 1 != document_count:
            return None
    counts = [owners.count(owner) for owner in range(document_count)]
    numbers, seen = [], {}
    for owner in owners:
        seen[owner] = seen.get(owner, 0) + 1
        numbers.append((owner, seen[owner], counts[owner]))
    return numbers


def page_count(pdf):
    return PdfFileReader(io.BytesIO(pdf), strict=False).getNumPages()


def page_texts(pdf):
    """The text of each page, without any whitespace (PDF libraries space
    words unevenly)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    texts = []
    for index in range(reader.getNumPages()):
        page = reader.getPage(index)
        # pypdf and PyPDF2 >= 2 name it extract_text; PyPDF2 1.x extractText.
        extract = getattr(page, "extract_text", None) or page.extractText
        texts.append(re.sub(r"\s", "", extract() or ""))
    return texts


def repeat_table_headers(document, pdf):
    """Cut the first table of `document` that runs over a page in `pdf`: each
    page's part starts a new page under its own copy of the table's headers
    (Debian's wkhtmltopdf does not repeat table headers).  Each part takes
    two rows fewer than `pdf` showed, leaving room for the headers; the
    caller prints again and calls again until no table runs over a page.
    Returns whether a table was cut."""
    texts = page_texts(pdf)
    current = 0  # tables are laid out in document order
    for table in document.xpath("//table[thead and tbody]"):
        rows = table.find("tbody").findall("tr")
        pages = []
        for row in rows:
            cells = row.findall("td")
            words = cells[0].text_content().split() if cells else []
            key = re.sub(r"\s", "", max(words, key=len)) if words else ""
            found = next((p for p in range(current, len(texts)) if key and key in texts[p]), None)
            current = found if found is not None else current
            pages.append(current)
        starts = [i for i in range(1, len(rows)) if pages[i] > pages[i - 1]]
        if not starts:
            continue
        cuts = []
        for number, start in enumerate(starts, start=1):
            cut = max(start - 2 * number, 1)
            if not cuts or cut > cuts[-1]:
                cuts.append(cut)
        for begin, end in reversed(list(zip(cuts, [*cuts[1:], len(rows)], strict=True))):
            part = lxml.html.Element("table", {**table.attrib})
            part.set("style", f"{table.get('style') or ''}; page-break-before: always;")
            part.append(copy.deepcopy(table.find("thead")))
            body = lxml.html.Element("tbody")
            body.extend(rows[begin:end])
            part.append(body)
            table.addnext(part)
        return True
    return False


def _printable(text):
    # Helvetica (WinAnsi) has the no-break space, not the narrow one.
    return text.replace("\u202f", "\u00a0")


STAMP_NAME = "/DunningFooter"


def stamp_footers(pdf, footers):
    """`pdf` with, at the foot of each page, the lines of its document's footer
    and "Page n/m".  `footers` is [(lines, page label)] in document order."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    pages = [reader.getPage(index) for index in range(reader.getNumPages())]
    numbers = page_numbers(pages, len(footers))
    if numbers is None:
        _logger.warning("The pages of the printed documents could not be told apart: no footer stamped.")
        return pdf
    packet = io.BytesIO()
    drawing = canvas.Canvas(packet)
    for page, (owner, number, count) in zip(pages, numbers, strict=True):
        width, height = float(page.mediaBox.getWidth()), float(page.mediaBox.getHeight())
        drawing.setPageSize((width, height))
        lines, label = footers[owner]
        drawing.setStrokeGray(0.6)
        drawing.setLineWidth(0.4)
        drawing.line(20 * mm, 25 * mm, width - 20 * mm, 25 * mm)
        drawing.setFillGray(0.25)
        for position, line in enumerate(lines[:3]):
            text = _printable(line)
            size = min(FOOTER_SIZE, FOOTER_SIZE * FOOTER_WIDTH / max(stringWidth(text, FOOTER_FONT, FOOTER_SIZE), 1))
            drawing.setFont(FOOTER_FONT, size)
            drawing.drawCentredString(width / 2, (21.5 - 3.5 * position) * mm, text)
        drawing.setFont(FOOTER_FONT, FOOTER_SIZE)
        drawing.drawRightString(width - 20 * mm, 11 * mm, _printable(f"{label} {number}/{count}"))
        drawing.showPage()
    drawing.save()
    stamps = PdfFileReader(packet, strict=False)
    writer = PdfFileWriter()
    for index, page in enumerate(pages):
        # Drawn over the page, its links (which cut letters apart) kept.
        try:
            _overlay(writer, page, stamps.getPage(index))
        except Exception:  # noqa: BLE001 - an unusual page: the slow, general merge
            _logger.debug("Footer stamped by a full page merge", exc_info=True)
            page.mergePage(stamps.getPage(index))
        writer.addPage(page)
    result = io.BytesIO()
    writer.write(result)
    return result.getvalue()


def _overlay(writer, page, stamp):
    """Draw `stamp` over `page` as a form XObject with its own resources,
    after the page's content wrapped in q/Q: the page's content stream is
    not parsed (merging pages parses it, about 0.7 s a page of letter)."""
    form = DecodedStreamObject()
    form.set_data(stamp["/Contents"].get_object().get_data())
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(stamp.mediabox),
            NameObject("/Resources"): stamp["/Resources"].get_object(),
        }
    )
    # Copies: pages may share one resource dictionary, each needs its own footer.
    resources = DictionaryObject(page["/Resources"].get_object())
    xobjects = resources.get("/XObject")
    xobjects = DictionaryObject(xobjects.get_object()) if xobjects is not None else DictionaryObject()
    xobjects[NameObject(STAMP_NAME)] = writer._add_object(form)
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q\n")
    after.set_data(f"\nQ q {STAMP_NAME} Do Q\n".encode())
    contents = page["/Contents"]
    contents = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject([writer._add_object(before), *contents, writer._add_object(after)])
