"""Reading order: the engine's text boxes grouped into lines, top to bottom, left to right."""

import statistics

from ocr.pipeline.types import TextLine


def _extent(box) -> tuple[float, float, float, float]:
    xs = [x for x, _ in box]
    ys = [y for _, y in box]
    return min(xs), min(ys), max(xs), max(ys)


def _strip_scores(piece: TextLine) -> tuple[float, ...]:
    """The scores of ``piece.text.strip()``."""
    start = len(piece.text) - len(piece.text.lstrip())
    return piece.chars[start : start + len(piece.text.strip())]


def group_lines(pieces: tuple[TextLine, ...]) -> tuple[TextLine, ...]:
    """Boxes whose vertical centres lie within half a text height of a line's join it; each
    line's text is its pieces left to right, its confidence their length-weighted mean."""
    if not pieces:
        return ()
    items = sorted(((_extent(p.box), p) for p in pieces), key=lambda item: (item[0][1] + item[0][3]) / 2)
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
        chars = ()
        if all(len(p.chars) == len(p.text) for _, p in members):
            spaced = [_strip_scores(p) for _, p in members]
            chars = tuple(score for i, part in enumerate(spaced) for score in ((1.0,) if i else ()) + part)
        weights = [max(1, len(p.text)) for _, p in members]
        confidence = sum(p.confidence * w for (_, p), w in zip(members, weights, strict=True)) / sum(weights)
        left = min(e[0] for e, _ in members)
        top = min(e[1] for e, _ in members)
        right = max(e[2] for e, _ in members)
        bottom = max(e[3] for e, _ in members)
        box = ((left, top), (right, top), (right, bottom), (left, bottom))
        lines.append(TextLine(text, round(confidence, 4), box, chars if len(chars) == len(text) else ()))
    return tuple(lines)
