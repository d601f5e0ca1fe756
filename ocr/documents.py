"""Supplier documents (packing lists, delivery notes, certificates of conformance or analysis)
read into fields, line items and measured properties. Plain Python: no ORM, no settings.

A PDF's text layer is used where it has one (pypdfium2: each text run with its box); a page
without one, and a photo, is read by the OCR engine. Both give positioned text segments, and one
parser works on those: segments are grouped into rows by their vertical overlap and into cells by
the gaps between them; key/value pairs are found by their labels (``PO No.``, ``Delivery Note``,
``Date``, ``Supplier`` …) in the same cell or the next; a table is found by its header row (part,
lot or batch, quantity …) and each later row's cells are put under the header they overlap."""

import re
import statistics
from dataclasses import dataclass, field

import numpy as np

from ocr.pipeline.dates import normalise_date

RENDER_DPI = 200
MAX_PAGES = 20


class DocumentRefused(ValueError):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Segment:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float = 1.0
    page: int = 0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class ParsedDocument:
    kind: str  # packing_list, delivery_note, certificate, unknown
    source: str  # "text layer" or "ocr"
    pages: int
    fields: dict = field(default_factory=dict)  # supplier, document_number, po_number, date
    lines: list = field(default_factory=list)  # part_number, description, lot, quantity, expiry, manufactured
    properties: list = field(default_factory=list)  # name, specification, result, unit
    passed: bool | None = None  # a certificate's statement
    confidence: float = 1.0


# -- reading the pages into segments -------------------------------------------------------


def open_pdf(data: bytes):
    """The PDF opened, or DocumentRefused: not a PDF, encrypted, damaged, too many pages."""
    import pypdfium2 as pdfium

    if not data.startswith(b"%PDF-"):
        raise DocumentRefused("the file is not a PDF", "not_pdf")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise DocumentRefused("the PDF is encrypted: send it without a password", "encrypted") from None
        raise DocumentRefused(f"the PDF cannot be read: {exc}", "damaged") from None
    if len(document) > MAX_PAGES:
        raise DocumentRefused(f"more than {MAX_PAGES} pages", "too_many_pages")
    if len(document) == 0:
        raise DocumentRefused("the PDF has no pages", "damaged")
    return document


def pdf_segments(data: bytes) -> tuple[list[Segment], int, list[np.ndarray]]:
    """The text layer's runs with their boxes (top-left origin, points); pages without text come
    back rendered for OCR, in page order."""
    document = open_pdf(data)
    segments, scans = [], []
    for index in range(len(document)):
        page = document[index]
        height = page.get_height()
        text = page.get_textpage()
        found = []
        for n in range(text.count_rects()):
            left, bottom, right, top = text.get_rect(n)
            value = text.get_text_bounded(left, bottom, right, top).strip()
            if value:
                found.append(Segment(value, left, height - top, right, height - bottom, 1.0, index))
        if found:
            segments += found
        else:
            pixels = page.render(scale=RENDER_DPI / 72, grayscale=True).to_numpy()
            scans.append((index, np.ascontiguousarray(pixels[..., 0] if pixels.ndim == 3 else pixels)))
    return segments, len(document), scans


def flatten_page(image: np.ndarray) -> np.ndarray:
    """A photographed sheet cut out of its background and warped flat, so its rows are level: the
    largest four-cornered bright region covering at least a quarter of the photo. A photo with no
    such region (a scan, a close-up) is returned as it is."""
    from ocr.pipeline.enhance import bright_quad, rectify

    quad = bright_quad(image, 0.25)
    return image if quad is None else rectify(image, quad)[0]


def ocr_segments(image: np.ndarray, engine, page: int = 0) -> list[Segment]:
    """The engine's text lines as segments, their boxes turned by the page's skew (the median
    slope of the long lines' top edges), so a row of a slightly skewed page stays one row."""
    if image.ndim == 2:
        import cv2

        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    lines = [line for line in engine.read(image) if line.text.strip()]
    slopes = []
    for line in lines:
        (x0, y0), (x1, y1) = line.box[0], line.box[1]
        height = abs(line.box[3][1] - y0) or 1
        if x1 - x0 > 3 * height:
            slopes.append(np.arctan2(y1 - y0, x1 - x0))
    angle = float(np.median(slopes)) if slopes else 0.0
    cos, sin = np.cos(-angle), np.sin(-angle)
    found = []
    for line in lines:
        xs = [x * cos - y * sin for x, y in line.box]
        ys = [x * sin + y * cos for x, y in line.box]
        found.append(Segment(line.text.strip(), min(xs), min(ys), max(xs), max(ys), line.confidence, page))
    return found


# -- rows and cells ------------------------------------------------------------------------


def rows_of(segments: list[Segment]) -> list[list[Segment]]:
    """Segments grouped into rows (middles within half a line of the row's), each row's cells
    left to right; a cell is segments closer than about one character height, joined."""
    rows = []
    for segment in sorted(segments, key=lambda s: (s.page, (s.y0 + s.y1) / 2, s.x0)):
        middle = (segment.y0 + segment.y1) / 2
        if rows and rows[-1][0].page == segment.page:
            last = rows[-1]
            centre = statistics.mean((s.y0 + s.y1) / 2 for s in last)
            if abs(middle - centre) <= 0.5 * statistics.median(s.height for s in [*last, segment]):
                last.append(segment)
                continue
        rows.append([segment])
    return [_cells(sorted(row, key=lambda s: s.x0)) for row in rows]


def _cells(row: list[Segment]) -> list[Segment]:
    gap = 1.2 * statistics.median(s.height for s in row)
    cells = [row[0]]
    for segment in row[1:]:
        last = cells[-1]
        if segment.x0 - last.x1 < gap and not _is_key(last.text) and not _is_key(segment.text):
            cells[-1] = Segment(
                f"{last.text} {segment.text}", last.x0, min(last.y0, segment.y0), segment.x1,
                max(last.y1, segment.y1), min(last.confidence, segment.confidence), last.page,
            )  # fmt: skip
        else:
            cells.append(segment)
    return cells


# -- key/value pairs -----------------------------------------------------------------------

KEYS = {
    "po_number": r"(?:customer\s+)?(?:p\.?\s?o\.?|purchase\s+order|your\s+order|order)"
    r"(?:\s*(?:no\.?|number|#|ref\.?))?",
    "document_number": r"(?:delivery\s+note|packing\s+list|packing\s+slip|despatch\s+note|dispatch\s+note|"
    r"certificate|document|note)\s*(?:no\.?|number|#)",
    "date": r"(?:delivery\s+date|ship(?:ping)?\s+date|date\s+of\s+issue|issue\s+date|date)",
    "supplier": r"(?:supplier|vendor|manufacturer|shipper)",
}
KEY_PATTERNS = {name: re.compile(rf"^{key}\s*[:#.]?\s*(?P<value>.*)$", re.I) for name, key in KEYS.items()}


def _is_key(text: str) -> bool:
    return any(p.match(text) and not p.match(text)["value"] for p in KEY_PATTERNS.values())


def _key_value(text: str) -> tuple[str, str] | None:
    for name, pattern in KEY_PATTERNS.items():
        match = pattern.match(text.strip())
        if match:
            return name, match["value"].strip(" :#")
    return None


def find_fields(rows: list[list[Segment]]) -> tuple[dict, list[float]]:
    """The first value found for each key, from a cell ``Key: value`` or a key cell and the next;
    and the confidences of the cells used."""
    found, used = {}, []
    for cells in rows:
        for i, cell in enumerate(cells):
            pair = _key_value(cell.text)
            if pair is None or pair[0] in found:
                continue
            name, value = pair
            source = cell
            if not value and i + 1 < len(cells):
                value, source = cells[i + 1].text.strip(" :#"), cells[i + 1]
            if not value:
                continue
            if name == "date":
                value = normalise_date(value) or _loose_date(value)
                if not value:
                    continue
            elif name != "supplier":
                value = value.split()[0].strip(" ,;")
            found[name] = value
            used.append(source.confidence)
    return found, used


def _loose_date(text: str) -> str | None:
    match = re.search(r"(\d{4})-(\d{2})-(\d{2})|(\d{1,2})[./](\d{1,2})[./](\d{4})", text)
    if not match:
        return None
    if match[1]:
        return normalise_date(match[0])
    return normalise_date(f"{int(match[6]):04d}-{int(match[5]):02d}-{int(match[4]):02d}") or None


# -- tables --------------------------------------------------------------------------------

COLUMNS = {
    "part_number": r"(?:part|item|material|article|product|p/n|sku)(?:\s*(?:no\.?|number|#|code))?",
    "description": r"(?:description|desc\.?|designation)",
    "lot": r"(?:lot|batch|charge)(?:\s*(?:no\.?|number|#|code))?",
    "quantity": r"(?:qty|quantity|qnty|pcs|amount)(?:\s*\(\w+\))?",
    "unit": r"(?:unit|uom)",
    "expiry": r"(?:exp(?:iry)?\.?(?:\s+date)?|expiration(?:\s+date)?|use\s+by|best\s+before)",
    "manufactured": r"(?:mfg\.?|manufactured|production)(?:\s+date)?",
    "name": r"(?:property|test|characteristic|parameter)",
    "specification": r"(?:specification|spec\.?|limits?|requirement|target)",
    "result": r"(?:result|measured|actual|value)",
}
COLUMN_PATTERNS = {name: re.compile(rf"^{pattern}\s*:?$", re.I) for name, pattern in COLUMNS.items()}
ITEM_COLUMNS = {"part_number", "lot", "quantity"}
PROPERTY_COLUMNS = {"name", "result"}


def _header(cells: list[Segment]) -> dict[int, str]:
    named = {}
    for i, cell in enumerate(cells):
        for name, pattern in COLUMN_PATTERNS.items():
            if pattern.match(cell.text.strip()) and name not in named.values():
                named[i] = name
                break
    return named


def _column_of(cell: Segment, header: list[tuple[Segment, str]]) -> str:
    """The header the cell overlaps most, else the one whose centre is nearest."""

    def overlap(head: Segment) -> float:
        return min(cell.x1, head.x1) - max(cell.x0, head.x0)

    best = max(header, key=lambda pair: overlap(pair[0]))
    if overlap(best[0]) > 0:
        return best[1]
    middle = (cell.x0 + cell.x1) / 2
    return min(header, key=lambda pair: abs((pair[0].x0 + pair[0].x1) / 2 - middle))[1]


def _split(cell: Segment, header: list[tuple[Segment, str]]) -> list[Segment]:
    """A cell read across two or more columns ("Tensile strength see drawing"), cut at the word
    boundaries nearest the left edges of the columns it crosses (characters taken as equally
    wide); a cell within one column is returned as it is."""
    margin = 0.5 * cell.height
    edges = sorted(head.x0 - margin for head, _ in header if cell.x0 + margin < head.x0 - margin < cell.x1)
    if not edges or " " not in cell.text:
        return [cell]
    width = (cell.x1 - cell.x0) / len(cell.text)
    cuts, start = [], 0
    for edge in edges:
        offset = (edge - cell.x0) / width
        spaces = [i for i, c in enumerate(cell.text) if c == " " and i > start]
        if spaces:
            start = min(spaces, key=lambda i: abs(i - offset))
            cuts.append(start)
    bounds = list(zip([0, *[c + 1 for c in cuts]], [*cuts, len(cell.text)], strict=True))
    return [
        Segment(
            cell.text[a:b].strip(),
            cell.x0 + a * width,
            cell.y0,
            cell.x0 + b * width,
            cell.y1,
            cell.confidence,
            cell.page,
        )
        for a, b in bounds
        if cell.text[a:b].strip()
    ]


def find_tables(rows: list[list[Segment]]) -> tuple[list[dict], list[dict], list[float]]:
    """Line items (a header with at least two of part, lot, quantity) and measured properties (a
    header with property and result), each row a dict by column; with the cells' confidences."""
    items, properties, used = [], [], []
    index = 0
    while index < len(rows):
        named = _header(rows[index])
        kind = (
            "items" if len(ITEM_COLUMNS & set(named.values())) >= 2
            else "properties" if PROPERTY_COLUMNS <= set(named.values()) else None
        )  # fmt: skip
        if kind is None:
            index += 1
            continue
        header = [(rows[index][i], name) for i, name in named.items()]
        index += 1
        while index < len(rows) and not _header(rows[index]):
            pieces = [_split(cell, header) for cell in rows[index]]
            if any(len(cut) > 2 for cut in pieces):
                break  # a sentence across the table's width: prose after it, not a row
            cells = [piece for cut in pieces for piece in cut]
            if _key_value(cells[0].text) or re.match(r"^(total|sum|remarks?|notes?)\b", cells[0].text, re.I):
                break
            row = {}
            for cell in cells:
                column = _column_of(cell, header)
                row[column] = f"{row[column]} {cell.text}" if column in row else cell.text
            wanted = ("part_number", "quantity") if kind == "items" else ("name", "result")
            if not any(row.get(w) for w in wanted):
                break
            used += [c.confidence for c in cells]
            (items if kind == "items" else properties).append(row)
            index += 1
    return [_item(r) for r in items], [_property(r) for r in properties], used


def _item(row: dict) -> dict:
    quantity = re.search(r"\d[\d,.\s]*", row.get("quantity", "").replace("\u00a0", " "))
    number = _number(quantity[0]) if quantity else None
    return {
        "part_number": row.get("part_number", "").split()[0] if row.get("part_number") else "",
        "description": row.get("description", ""),
        "lot": row.get("lot", "").split()[0] if row.get("lot") else "",
        "quantity": number,
        "expiry": normalise_date(row.get("expiry", "")) or _loose_date(row.get("expiry", "")),
        "manufactured": normalise_date(row.get("manufactured", ""))
        or _loose_date(row.get("manufactured", "")),
    }


def _number(text: str) -> str | None:
    """``1,200`` and ``1.200`` (thousands), ``12,5`` and ``12.5``, ``1.212,5`` and ``1,212.5``:
    where both marks appear the last is the decimal one; a single mark followed by exactly three
    digits separates thousands."""
    raw = text.replace(" ", "").rstrip(".,")
    marks = [c for c in raw if c in ".,"]
    if not marks:
        return raw or None
    if len(set(marks)) == 2:
        decimal = marks[-1]
    elif len(marks) == 1 and len(raw.rsplit(marks[0], 1)[1]) != 3:
        decimal = marks[0]
    else:
        decimal = None
    whole, _, fraction = raw.rpartition(decimal) if decimal else (raw, "", "")
    digits = re.sub(r"[.,]", "", whole)
    return f"{digits}.{fraction}" if fraction else digits


def _property(row: dict) -> dict:
    return {k: row.get(k, "") for k in ("name", "specification", "result", "unit")}


# -- the document --------------------------------------------------------------------------

KINDS = [
    ("certificate", r"certificate\s+of\s+(?:conformance|conformity|compliance|analysis)|\bco[ca]\b"),
    ("packing_list", r"packing\s+(?:list|slip)"),
    ("delivery_note", r"delivery\s+note|despatch\s+note|dispatch\s+note|delivery\s+slip"),
]
PASS = re.compile(
    r"\b(?:hereby\s+certif|we\s+certify|conform|compl(?:y|ies)|meets?\s+(?:all\s+)?(?:the\s+)?(?:requirements|specification))",
    re.I,
)
FAIL = re.compile(
    r"\b(?:does\s+not|do\s+not|not\s+conform|non-?conform|fail(?:s|ed)?\b|out\s+of\s+spec)", re.I
)


def parse(segments: list[Segment], *, source: str, pages: int) -> ParsedDocument:
    rows = rows_of(segments)
    text = "\n".join(" ".join(c.text for c in cells) for cells in rows)
    kind = next((name for name, pattern in KINDS if re.search(pattern, text, re.I)), "unknown")
    fields, used = find_fields(rows)
    lines, properties, in_tables = find_tables(rows)
    passed = None
    if kind == "certificate":
        statements = [line for line in text.splitlines() if PASS.search(line) or FAIL.search(line)]
        if statements:
            passed = not any(FAIL.search(line) for line in statements)
    confidences = used + in_tables
    return ParsedDocument(
        kind=kind,
        source=source,
        pages=pages,
        fields=fields,
        lines=[line for line in lines if line["part_number"] or line["lot"]],
        properties=properties,
        passed=passed,
        confidence=round(min(confidences), 3) if confidences else 0.0,
    )


def read_document(data: bytes, engine=None, *, max_pixels: int = 80_000_000) -> ParsedDocument:
    """A PDF (text layer, else OCR of the rendered pages) or a photo (OCR) parsed. ``engine``:
    a text engine (``ocr.pipeline.text``) for pages without text; needed for photos and scans."""
    if data.startswith(b"%PDF-"):
        segments, pages, scans = pdf_segments(data)
        source = "text layer"
        if scans:
            if engine is None:
                raise DocumentRefused("the PDF has scanned pages and no OCR engine was given", "needs_ocr")
            for index, image in scans:
                segments += ocr_segments(image, engine, page=index)
            source = "ocr" if len(scans) == pages else "text layer and ocr"
        return parse(segments, source=source, pages=pages)
    from ocr.pipeline import ImageRejected, decode_image

    try:
        image = decode_image(data, max_pixels=max_pixels)
    except ImageRejected as exc:
        raise DocumentRefused(f"neither a PDF nor an image: {exc}", "unreadable") from None
    if engine is None:
        raise DocumentRefused("a photographed document needs an OCR engine", "needs_ocr")
    return parse(ocr_segments(flatten_page(image), engine), source="ocr", pages=1)
