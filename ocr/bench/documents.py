"""``bench documents``: supplier documents the benchmark makes itself, read two ways.

Each document is a PDF made with fpdf2 in one of several layouts (a delivery note with the keys
in a column, a packing list with the keys beside their values and a different table order, a
certificate of conformance or analysis with measured properties and a pass or fail statement),
with random suppliers, order and document numbers, dates, parts, lots and quantities. It is read
from its text layer, and from a "scan": the page rendered, skewed, blurred, noised and saved as
JPEG, read by OCR; and from a phone photo of the printed page (perspective, uneven light), cut
out of its background and flattened before OCR. Scored field by field (document fields, each
line's part, lot and quantity, each property's result, the certificate's verdict): precision,
recall, and documents per minute.
The peer is raw RapidOCR on the same scans: the share of true values found anywhere in its text
(an upper bound for any parser on top of it)."""

import datetime as dt
import random
import re
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import cv2
import numpy as np
from fpdf import FPDF

from ocr.documents import read_document

SUPPLIERS = ["Acme Components Ltd", "Borealis Plastics GmbH", "Kestrel Metals Inc", "Nordwind Elektronik AG"]
PARTS = [
    ("TL-1000", "Controller board"),
    ("RS-220", "Resistor 220R"),
    ("CN-045", "Connector 4 pin"),
    ("HS-310", "Heat sink"),
    ("SC-M3", "Screw M3x8"),
    ("GK-77", "Gasket 77 mm"),
]
PROPERTIES = [
    ("Tensile strength", "MPa", 300, 400),
    ("Hardness", "HRC", 28, 34),
    ("Elongation", "%", 10, 20),
    ("Thickness", "mm", 1.9, 2.1),
]


def add_arguments(parser):
    parser.add_argument("--count", type=int, default=30, help="documents made")
    parser.add_argument("--seed", type=int, default=7)


def make(rng: random.Random, n: int) -> tuple[bytes, dict]:
    """One document and its truth."""
    layout = ("delivery_note", "packing_list", "certificate")[n % 3]
    date = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300))
    truth = {
        "kind": layout,
        "fields": {
            "supplier": rng.choice(SUPPLIERS),
            "document_number": f"{dict(delivery_note='DN', packing_list='PL', certificate='CC')[layout]}-"
            f"{rng.randrange(10000, 99999)}",
            "po_number": f"PO-{rng.randrange(450000, 459999)}",
            "date": date.isoformat(),
        },
        "lines": [],
        "properties": [],
        "passed": None,
    }
    for part, name in rng.sample(PARTS, rng.randint(1, 4)):
        truth["lines"].append(
            {
                "part_number": part,
                "description": name,
                "lot": f"L{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}",
                "quantity": str(rng.choice([10, 25, 50, 100, 250, 1200])),
            }
        )
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    f = truth["fields"]
    if layout == "certificate":
        truth["lines"] = truth["lines"][:1]
        for prop, _, low, high in rng.sample(PROPERTIES, 3):
            result = round(rng.uniform(low, high), 1)
            truth["properties"].append({"name": prop, "result": str(result)})
        truth["passed"] = rng.random() > 0.25
        pdf_title(pdf, rng.choice(["Certificate of Conformance", "Certificate of Analysis"]))
        pdf_pairs(
            pdf,
            [
                ("Certificate No.", f["document_number"]),
                ("Supplier", f["supplier"]),
                ("PO Number", f["po_number"]),
                ("Date of issue", date.strftime("%d.%m.%Y")),
            ],
        )
        line = truth["lines"][0]
        pdf_table(
            pdf,
            ["Part No.", "Description", "Batch", "Quantity"],
            [[line["part_number"], line["description"], line["lot"], line["quantity"]]],
        )
        pdf_table(
            pdf,
            ["Property", "Specification", "Result", "Unit"],
            [[p["name"], "see drawing", p["result"], "-"] for p in truth["properties"]],
        )
        pdf.ln(6)
        statement = (
            "We hereby certify that the goods above conform to the requirements of the order."
            if truth["passed"]
            else "The goods above do not conform to the specification: see result."
        )
        pdf.cell(0, 8, statement)
    elif layout == "delivery_note":
        pdf_title(pdf, "Delivery Note")
        pdf_pairs(
            pdf,
            [
                ("Delivery Note No.", f["document_number"]),
                ("Supplier", f["supplier"]),
                ("Your order", f["po_number"]),
                ("Delivery date", date.isoformat()),
            ],
        )
        pdf_table(
            pdf,
            ["Item", "Description", "Lot", "Qty"],
            [[x["part_number"], x["description"], x["lot"], x["quantity"]] for x in truth["lines"]],
        )
    else:
        pdf_title(pdf, "Packing List")
        pdf.cell(95, 7, f"Packing List No: {f['document_number']}")
        pdf.cell(95, 7, f"PO: {f['po_number']}", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(95, 7, f"Vendor: {f['supplier']}")
        pdf.cell(95, 7, f"Date: {date.strftime('%d/%m/%Y')}", new_x="LMARGIN", new_y="NEXT")
        pdf_table(
            pdf,
            ["Quantity", "Part Number", "Batch No.", "Description"],
            [[x["quantity"], x["part_number"], x["lot"], x["description"]] for x in truth["lines"]],
        )
    return bytes(pdf.output()), truth


def pdf_title(pdf, text):
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 12, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.ln(2)


def pdf_pairs(pdf, pairs):
    for key, value in pairs:
        pdf.cell(45, 7, key)
        pdf.cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def pdf_table(pdf, header, rows):
    widths = [40, 65, 40, 35]
    pdf.set_font("Helvetica", "B", 11)
    for width, text in zip(widths, header, strict=True):
        pdf.cell(width, 8, text, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=11)
    for row in rows:
        for width, text in zip(widths, row, strict=True):
            pdf.cell(width, 8, text, border=1)
        pdf.ln()
    pdf.ln(4)


def scanned(pdf: bytes, rng: random.Random) -> bytes:
    """The page as a poor scan: 150 dpi, skewed up to 1.5°, blurred, noised, JPEG quality 60."""
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0].render(scale=150 / 72).to_numpy()[..., :3].copy()
    height, width = page.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-1.5, 1.5), 1.0)
    page = cv2.warpAffine(page, turn, (width, height), borderValue=(255, 255, 255))
    page = cv2.GaussianBlur(page, (3, 3), 0.6)
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 8, page.shape)
    page = np.clip(page.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 60])[1].tobytes()


def photographed(pdf: bytes, rng: random.Random) -> bytes:
    """The printed page photographed on a desk: 220 dpi, the sheet's corners each moved up to 3 %
    (perspective), light falling off across it, JPEG quality 80."""
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0].render(scale=220 / 72).to_numpy()[..., :3].copy()
    height, width = page.shape[:2]
    canvas = np.full((int(height * 1.15), int(width * 1.15), 3), (70, 80, 90), np.uint8)
    ch, cw = canvas.shape[:2]
    corners = [(0.06, 0.05), (0.94, 0.07), (0.96, 0.95), (0.04, 0.93)]
    moved = np.float32(
        [[cw * (x + rng.uniform(-0.03, 0.03)), ch * (y + rng.uniform(-0.03, 0.03))] for x, y in corners]
    )
    sheet = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    cv2.warpPerspective(
        page,
        cv2.getPerspectiveTransform(sheet, moved),
        (cw, ch),
        dst=canvas,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    light = np.linspace(0.75, 1.05, cw)[None, :, None] * np.linspace(0.9, 1.0, ch)[:, None, None]
    shot = np.clip(canvas * light, 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", shot, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()


def facts(document: dict) -> set[tuple]:
    """What a reading is scored on: one tuple per field value."""
    found = {("field", k, str(v)) for k, v in document["fields"].items() if v}
    for line in document["lines"]:
        found |= {
            (f"line:{line['part_number']}", k, str(line[k]))
            for k in ("part_number", "lot", "quantity")
            if line.get(k)
        }
    found |= {("property", p["name"], str(p["result"])) for p in document["properties"] if p.get("result")}
    if document.get("passed") is not None:
        found.add(("verdict", "passed", str(document["passed"])))
    return found


def _as_truth(parsed) -> dict:
    return {
        "fields": parsed.fields,
        "lines": parsed.lines,
        "properties": parsed.properties,
        "passed": parsed.passed,
    }


def score(pairs) -> dict:
    right = wrong = missed = 0
    for predicted, truth in pairs:
        got, want = facts(predicted), facts(truth)
        right += len(got & want)
        wrong += len(got - want)
        missed += len(want - got)
    return {
        "precision": round(right / (right + wrong), 4) if right + wrong else 0.0,
        "recall": round(right / (right + missed), 4) if right + missed else 0.0,
    }


_engine = None


def _read_in_worker(data: bytes) -> str:
    global _engine
    if _engine is None:
        from ocr.pipeline.text import get_engine, thread_options

        _engine = get_engine("rapidocr", options=thread_options(1))
    return read_document(data, _engine).kind


def run(options, out) -> dict:
    from ocr.pipeline.text import get_engine, thread_options

    rng = random.Random(options["seed"])
    made = [make(rng, n) for n in range(options["count"])]
    scans = [scanned(pdf, rng) for pdf, _ in made]
    photos = [photographed(pdf, rng) for pdf, _ in made]
    engine = get_engine("rapidocr", options=thread_options(1))
    engine.read(np.full((64, 256, 3), 255, np.uint8))  # the models loaded before the clock
    results = {}
    for name, inputs in (("text_layer", [pdf for pdf, _ in made]), ("scan", scans), ("photo", photos)):
        out.write(f"{name}: {len(inputs)} documents …")
        start = time.perf_counter()
        parsed = [read_document(data, engine) for data in inputs]
        seconds = time.perf_counter() - start
        scored = score([(_as_truth(p), truth) for p, (_, truth) in zip(parsed, made, strict=True)])
        kinds = sum(p.kind == truth["kind"] for p, (_, truth) in zip(parsed, made, strict=True))
        results.update(
            {
                f"documents.{name}.field_precision": scored["precision"],
                f"documents.{name}.field_recall": scored["recall"],
                f"documents.{name}.kind_accuracy": round(kinds / len(made), 4),
                f"documents.{name}.docs_per_min_1_core": round(60 * len(made) / seconds, 1),
            }
        )
    out.write("scan: the same documents in two processes (2 cores) …")
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        list(pool.map(_read_in_worker, scans[:2]))  # each process loads its engine before the clock
        start = time.perf_counter()
        list(pool.map(_read_in_worker, scans))
        results["documents.scan.docs_per_min_2_cores"] = round(
            60 * len(scans) / (time.perf_counter() - start), 1
        )
    out.write("peer: raw RapidOCR text on the scans …")
    found = total = 0
    start = time.perf_counter()
    for data, (_, truth) in zip(scans, made, strict=True):
        text = " ".join(
            line.text for line in engine.read(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR))
        )
        squeezed = re.sub(r"\s+", "", text)
        values = [
            v
            for _, _, v in facts(truth)
            if v not in ("True", "False") and not re.fullmatch(r"\d{4}-\d\d-\d\d", v)
        ]
        found += sum(re.sub(r"\s+", "", v) in squeezed for v in values)
        total += len(values)
    peer_seconds = time.perf_counter() - start
    results["documents.count"] = len(made)
    results["peers"] = {
        "rapidocr_raw_text.values_found_anywhere": round(found / total, 4) if total else 0.0,
        "rapidocr_raw_text.docs_per_min_1_core": round(60 * len(made) / peer_seconds, 1),
    }
    return results
