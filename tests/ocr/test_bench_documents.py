"""`bench documents` end to end on a few generated documents: figures for both ways of reading
and the peer; and the parser on layouts it was not written against (a key and value in one cell,
decimal commas, an unknown document)."""

import json

from django.core.management import call_command

from ocr.documents import Segment, parse


def test_bench_documents_writes_precision_recall_and_speed(tmp_path):
    out = tmp_path / "documents.json"
    call_command("bench", "documents", "--count", "3", "--json", str(out))
    figures = json.loads(out.read_text())
    assert figures["documents.count"] == 3
    for way in ("text_layer", "scan", "photo"):
        assert 0 < figures[f"documents.{way}.field_recall"] <= 1
        assert figures[f"documents.{way}.docs_per_min_1_core"] > 0
    assert figures["documents.text_layer.field_precision"] == 1.0  # the text layer is exact
    assert figures["documents.scan.docs_per_min_2_cores"] > 0
    assert set(figures["peers"]) == {
        "rapidocr_raw_text.values_found_anywhere",
        "rapidocr_raw_text.docs_per_min_1_core",
    }


def row(y: float, *cells: tuple[float, str]) -> list[Segment]:
    return [Segment(text, x, y, x + 8 * len(text), y + 10) for x, text in cells]


def test_the_parser_reads_a_layout_of_its_own():
    segments = [
        *row(10, (20, "DESPATCH NOTE")),
        *row(30, (20, "P.O. # 4500123"), (300, "Date: 3 FEB 2026")),
        *row(45, (20, "Vendor: Kestrel Metals Inc")),
        *row(70, (20, "Material"), (150, "Batch"), (260, "Qnty"), (360, "Exp. date")),
        *row(85, (20, "SC-M3"), (150, "B7731"), (260, "1.200 pcs"), (360, "2028-03-31")),
        *row(100, (20, "GK-77"), (150, "B7732"), (260, "12,5 kg"), (360, "03/2028")),
        *row(115, (20, "Total"), (260, "1.212,5")),
    ]
    parsed = parse(segments, source="text layer", pages=1)
    assert parsed.kind == "delivery_note"
    assert parsed.fields == {"po_number": "4500123", "date": "2026-02-03", "supplier": "Kestrel Metals Inc"}
    assert [(x["part_number"], x["lot"], x["quantity"], x["expiry"]) for x in parsed.lines] == [
        ("SC-M3", "B7731", "1200", "2028-03-31"),
        ("GK-77", "B7732", "12.5", "2028-03"),
    ]


def test_an_unknown_document_is_named_so():
    parsed = parse(row(10, (20, "Lunch menu"), (200, "Soup 4.50")), source="ocr", pages=1)
    assert parsed.kind == "unknown" and parsed.lines == [] and parsed.passed is None
