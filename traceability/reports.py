"""Printable documents: the recall's affected list as a PDF (fpdf2, no network, no browser).

A Unicode TrueType font is used when one is on the machine (``REPORT_FONT`` or DejaVu Sans), so
serials and customer names print as read; without one, the PDF core font is used and characters
outside Latin-1 print as ``?``."""

import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF

logging.getLogger("fontTools").setLevel(logging.WARNING)  # it logs every subsetting step
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
COLUMNS = (  # key, heading, width in mm (landscape A4: 277 mm between margins)
    ("kind", "Kind", 14),
    ("part_number", "Part number", 38),
    ("serial", "Serial", 40),
    ("lot", "Lot", 34),
    ("status", "Status", 24),
    ("previous_status", "Before", 24),
    ("location", "Location", 45),
    ("customer", "Customer", 58),
)


def _font_path() -> str | None:
    configured = getattr(settings, "REPORT_FONT", "")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


class _Document(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.title_text = title
        path = _font_path()
        if path:
            self.add_font("body", "", path)
            self.family = "body"
            self.clean = str
        else:
            self.family = "helvetica"
            self.clean = lambda text: str(text).encode("latin-1", "replace").decode("latin-1")
        self.set_auto_page_break(auto=True, margin=12)
        self.set_title(self.clean(title))
        self.set_creator("TraceLens")

    def header(self):
        self.set_font(self.family, size=9)
        self.cell(0, 5, self.clean(self.title_text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def footer(self):
        self.set_y(-10)
        self.set_font(self.family, size=8)
        self.cell(0, 5, f"page {self.page_no()}/{{nb}}", align="R")

    def text_line(self, text: str, size: int = 10):
        self.set_font(self.family, size=size)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")

    def table_row(self, values, *, bold=False):
        self.set_font(self.family, size=8)
        if bold:
            self.set_fill_color(225, 225, 225)
        for (_, _, width), value in zip(COLUMNS, values, strict=True):
            text = self.clean("" if value is None else value)
            room = width - 2
            wide = self.get_string_width(text)
            if wide > room:  # cut to fit, from an estimate rather than a character at a time
                text = text[: max(1, int(len(text) * room / wide))]
                while len(text) > 1 and self.get_string_width(text) > room:
                    text = text[:-1]
            self.cell(width, 5, text, border=1, fill=bold)
        self.ln()


def recall_pdf(recall, rows: list[dict]) -> bytes:
    """Title block (number, status, lots, reason, who and when), counts, then every affected
    unit and lot with its status, where it is and the customer. The table header repeats on
    each page."""
    pdf = _Document(f"TraceLens recall {recall.number}")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.text_line(f"Recall {recall.number}: {recall.get_status_display()}", size=16)
    lots = ", ".join(
        f"{lot.product.part_number} / {lot.code}" for lot in recall.lots.select_related("product")
    )
    pdf.text_line(f"Lots recalled: {lots}")
    pdf.text_line(f"Reason: {recall.reason}")
    pdf.text_line(f"Opened {timezone.localtime(recall.opened_at):%Y-%m-%d %H:%M %Z} by {recall.opened_by}")
    if recall.closed_at:
        pdf.text_line(
            f"Closed {timezone.localtime(recall.closed_at):%Y-%m-%d %H:%M %Z} by {recall.closed_by}: "
            f"{recall.close_reason}"
        )
    units = sum(1 for row in rows if row["kind"] == "unit")
    shipped = sum(1 for row in rows if row["kind"] == "unit" and row["customer"])
    pdf.text_line(f"Affected: {units} units ({shipped} at customers), {len(rows) - units} lots")
    pdf.text_line(f"Printed {timezone.localtime():%Y-%m-%d %H:%M %Z}", size=8)
    pdf.ln(2)
    heading = [title for _, title, _ in COLUMNS]
    pdf.table_row(heading, bold=True)
    for row in rows:
        if pdf.will_page_break(5):
            pdf.add_page()
            pdf.table_row(heading, bold=True)
        pdf.table_row([row[key] for key, _, _ in COLUMNS])
    return bytes(pdf.output())
