"""Reading order: the engine's text boxes grouped into lines, top to bottom, left to right, in
the frame of the text itself, so a label photographed at a slant still reads line by line."""

import math
import statistics

from ocr.pipeline.types import TextLine


def _extent(box) -> tuple[float, float, float, float]:
    xs = [x for x, _ in box]
    ys = [y for _, y in box]
    return min(xs), min(ys), max(xs), max(ys)


def _stripped(piece: TextLine, per_char: tuple) -> tuple:
    """What ``per_char`` (scores or alternatives) says about ``piece.text.strip()``."""
    start = len(piece.text) - len(piece.text.lstrip())
    return per_char[start : start + len(piece.text.strip())]


def _joined(members: list[TextLine], per_char: str, space) -> tuple:
    """The pieces' per-character ``per_char`` for their texts joined by spaces (``space`` for
    each space), or () unless every piece has it for each of its characters."""
    if not all(len(getattr(p, per_char)) == len(p.text) for p in members):
        return ()
    parts = [_stripped(p, getattr(p, per_char)) for p in members]
    return tuple(item for i, part in enumerate(parts) for item in ((space,) if i else ()) + part)


def skew(pieces: tuple[TextLine, ...]) -> float:
    """The text's slant in radians: the median direction of the boxes' top edges."""
    angles = []
    for piece in pieces:
        (x0, y0), (x1, y1) = piece.box[0], piece.box[1]
        if math.hypot(x1 - x0, y1 - y0) > 4:
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(angles) if angles else 0.0


def _turn(box, angle: float):
    cos, sin = math.cos(angle), math.sin(angle)
    return tuple((x * cos - y * sin, x * sin + y * cos) for x, y in box)


def group_lines(pieces: tuple[TextLine, ...]) -> tuple[TextLine, ...]:
    """Boxes whose vertical centres lie within half a text height of a line's join it; each
    line's text is its pieces left to right, its confidence their length-weighted mean. Text
    slanted by more than 2 degrees is grouped in its own frame and the line boxes turned back."""
    if not pieces:
        return ()
    angle = skew(pieces)
    if abs(angle) < math.radians(2) or abs(angle) > math.radians(45):
        angle = 0.0
    items = sorted(
        ((_extent(_turn(p.box, -angle)), p) for p in pieces), key=lambda item: (item[0][1] + item[0][3]) / 2
    )
    height = statistics.median(bottom - top for (_, top, _, bottom), _ in items) or 1.0
    rows: list[list] = []
    for extent, piece in items:
        centre = (extent[1] + extent[3]) / 2
        if rows and abs(centre - rows[-1][0]) <= height / 2:
            row = rows[-1]
            row[1].append((extent, piece))
            row[0] = statistics.mean((e[1] + e[3]) / 2 for e, _ in row[1])
        else:
            rows.append([centre, [(extent, piece)]])
    lines = []
    for _, members in rows:
        members.sort(key=lambda item: item[0][0])
        members = [(e, p) for e, p in members if p.text.strip()]
        if not members:
            continue
        text = " ".join(p.text.strip() for _, p in members)
        chars = _joined([p for _, p in members], "chars", 1.0)
        alternatives = _joined([p for _, p in members], "alternatives", ())
        weights = [max(1, len(p.text)) for _, p in members]
        confidence = sum(p.confidence * w for (_, p), w in zip(members, weights, strict=True)) / sum(weights)
        left = min(e[0] for e, _ in members)
        top = min(e[1] for e, _ in members)
        right = max(e[2] for e, _ in members)
        bottom = max(e[3] for e, _ in members)
        box = _turn(((left, top), (right, top), (right, bottom), (left, bottom)), angle)
        lines.append(
            TextLine(
                text,
                round(confidence, 4),
                box,
                chars if len(chars) == len(text) else (),
                alternatives if len(alternatives) == len(text) else (),
            )
        )
    return tuple(lines)
