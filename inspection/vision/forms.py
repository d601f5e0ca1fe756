"""Paper inspection forms: the text lines read from a photo of a filled form, and the form's
items (an inspection plan's), turned into proposed values. Each item's printed label is the
anchor; its value is the rest of the label's line or the nearest text to its right on the same
row; a checklist item is answered by a ticked box on that row (or by OK / NOK, yes / no,
pass / fail written there). Every value carries a confidence and where it was found, because a
person confirms the draft before it becomes a record.

Plain Python: TextLine objects and a grey image at the lines' scale in, frozen dataclasses out."""

import difflib
import re
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.pipeline.types import TextLine

NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
YES = {"ok", "yes", "y", "pass", "passed", "good", "i.o.", "io", "✓", "✔", "x"}
NO = {"nok", "no", "n", "fail", "failed", "bad", "n.i.o.", "nio"}


@dataclass(frozen=True)
class FormValue:
    key: str
    value: bool | float | str | None
    confidence: float  # 0..1; 0 when nothing was found
    source: str  # "text", "tick_box", "not_found"
    box: tuple[float, float, float, float] | None = None  # where the value was, x1 y1 x2 y2

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "value": self.value,
            "confidence": round(self.confidence, 3),
            "source": self.source,
            "box": [round(v, 1) for v in self.box] if self.box else None,
        }


def _rect(line: TextLine) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in line.box], [p[1] for p in line.box]
    return min(xs), min(ys), max(xs), max(ys)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _anchor(label: str, lines) -> tuple[TextLine, str, float] | None:
    """The line that starts with ``label`` (fuzzily), the text after it, and how sure."""
    want = _norm(label)
    best = None
    for line in lines:
        text = _norm(line.text)
        head = text[: len(want)]
        score = difflib.SequenceMatcher(None, want, head).ratio()
        if score >= 0.8 and (best is None or score > best[2]):
            rest = line.text
            # what follows the label in the printed line (after a colon when there is one)
            cut = rest.find(":")
            rest = rest[cut + 1 :] if cut >= 0 else rest[len(label) :]
            best = (line, rest.strip(), score)
    return best


def _right_of(anchor: TextLine, lines) -> TextLine | None:
    x1, y1, x2, y2 = _rect(anchor)
    middle, height = (y1 + y2) / 2, y2 - y1
    row = [
        line
        for line in lines
        if line is not anchor
        and _rect(line)[0] >= x2 - height * 0.5
        and abs((_rect(line)[1] + _rect(line)[3]) / 2 - middle) < height * 0.6
    ]
    return min(row, key=lambda line: _rect(line)[0], default=None)


def _tick_boxes(
    grey: np.ndarray, anchor: TextLine, label: str
) -> list[tuple[tuple[int, int, int, int], float]]:
    """Square boxes on the label's row to its right: (box, share of ink inside). The engine may
    read the label and the box as one line: the search starts where the label's text ends, at
    most (a glyph is rarely narrower than 0.3 of the line's height) or its share of the line."""
    x1, y1, right, y2 = (int(v) for v in _rect(anchor))
    share = min(1.0, (len(label) + 1) / max(1, len(anchor.text)))
    x2 = int(x1 + min((right - x1) * share, 0.3 * len(label) * (y2 - y1)))
    height = max(8, y2 - y1)
    top, bottom = max(0, y1 - height // 2), min(grey.shape[0], y2 + height // 2)
    band = grey[top:bottom, x2:]
    if band.size == 0:
        return []
    _, ink = cv2.threshold(band, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours:
        bx, by, bw, bh = cv2.boundingRect(contour)
        if not (0.5 * height <= bw <= 2.0 * height and 0.75 <= bw / max(1, bh) <= 1.33):
            continue
        corners = cv2.approxPolyDP(contour, 0.06 * cv2.arcLength(contour, True), True)
        if len(corners) != 4 or cv2.contourArea(contour) < 0.85 * bw * bh:  # a square, not an O or a D
            continue
        inner = ink[by + bh // 5 : by + bh - bh // 5, bx + bw // 5 : bx + bw - bw // 5]
        fill = float(inner.mean() / 255) if inner.size else 0.0
        boxes.append(((x2 + bx, top + by, x2 + bx + bw, top + by + bh), fill))
    # one outline can be found twice (outer and inner edge): keep the outer one
    boxes.sort(key=lambda b: (b[0][0], -(b[0][2] - b[0][0])))
    kept = []
    for box, fill in boxes:
        if kept and box[0] < kept[-1][0][2]:
            continue
        kept.append((box, fill))
    return kept


def _yes_no(text: str) -> bool | None:
    words = _norm(text).split() or [text.strip().lower()]
    if any(w in NO for w in words):
        return False
    if any(w in YES for w in words):
        return True
    return None


def read_form(lines, grey: np.ndarray, items: list[dict]) -> tuple[FormValue, ...]:
    """Proposed values for ``items`` (plan items: key, label, kind) from a form's text lines."""
    found = []
    for item in items:
        key, label, kind = item["key"], item.get("label") or item["key"], item["kind"]
        anchor = _anchor(label, lines)
        if anchor is None:
            found.append(FormValue(key, None, 0.0, "not_found"))
            continue
        line, rest, sure = anchor
        neighbour = _right_of(line, lines)
        text, where, text_conf = rest, _rect(line), line.confidence
        if not text and neighbour is not None:
            text, where, text_conf = neighbour.text, _rect(neighbour), neighbour.confidence
        if kind == "measure":
            number = NUMBER.search(text or "")
            if number:
                value = float(number.group().replace(",", "."))
                found.append(FormValue(key, value, sure * text_conf, "text", where))
            else:
                found.append(FormValue(key, None, 0.0, "not_found"))
        elif kind == "check":
            found.append(_check(key, grey, line, label, text, where, sure * text_conf))
        else:
            found.append(FormValue(key, text or None, sure * text_conf if text else 0.0, "text", where))
    return tuple(found)


def _check(key, grey, line, label, text, where, confidence) -> FormValue:
    boxes = _tick_boxes(grey, line, label)
    ticked = [(box, fill) for box, fill in boxes if fill > 0.12]
    if len(boxes) == 1:
        box, fill = boxes[0]
        sure = min(1.0, abs(fill - 0.12) / 0.12)
        return FormValue(key, bool(ticked), sure, "tick_box", box)
    if len(boxes) >= 2 and len(ticked) == 1:  # "OK [ ]  NOK [x]": the first box is the good one
        box, fill = ticked[0]
        return FormValue(key, box == boxes[0][0], min(1.0, fill / 0.3), "tick_box", box)
    answer = _yes_no(text)
    if answer is not None:
        return FormValue(key, answer, confidence, "text", where)
    return FormValue(key, None, 0.0, "not_found")
