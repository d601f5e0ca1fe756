"""Synthetic pictures for the demo data and the tests: a bare board (dark traces and a pad on a
light ground) and the same board with known defects put in (each at a known place, of a known
kind); photos of 7-segment, dot-matrix and general digital displays showing a known value. Made
here so that neither ships a photo it may not redistribute."""

import cv2
import numpy as np

SIZE = 320


def board(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.full((SIZE, SIZE), 235, np.uint8)
    for x in range(30, 300, 40):  # vertical traces
        cv2.line(image, (x, 20), (x, 140), 25, 8)
    for y in range(180, 300, 40):  # horizontal traces
        cv2.line(image, (20, y), (300, y), 25, 8)
    cv2.circle(image, (200, 160), 14, 25, -1)  # a pad between the groups
    noise = rng.normal(0, 3, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


DEFECTS = {
    # kind: (what to draw, the point it is at)
    "open": (lambda im: cv2.rectangle(im, (66, 70), (74, 78), 235, -1), (70, 74)),
    "short": (lambda im: cv2.rectangle(im, (110, 100), (150, 106), 25, -1), (130, 103)),
    "spurious_copper": (lambda im: cv2.circle(im, (250, 162), 6, 25, -1), (250, 162)),
    "pin_hole": (lambda im: cv2.circle(im, (200, 160), 4, 235, -1), (200, 160)),
    "mousebite": (lambda im: cv2.circle(im, (150, 183), 3, 235, -1), (150, 183)),
    "spur": (lambda im: cv2.rectangle(im, (280, 258), (286, 270), 25, -1), (283, 264)),
}


def with_defects(image: np.ndarray, kinds) -> np.ndarray:
    image = image.copy()
    for kind in kinds:
        DEFECTS[kind][0](image)
    return image


SEGMENTS = "abcdefg"


def display_photo(
    text: str,
    *,
    polarity: str = "dark",
    digit_height: int = 120,
    slant: float = 0.15,
    tilt: float = 0.0,
    turn: float = 0.0,
    size: tuple[int, int] = (1280, 720),
    blur: float = 1.0,
    seed: int = 0,
    window_height: float = 1.6,
) -> np.ndarray:
    """A photo of a 7-segment display showing ``text`` (digits, "." and "-"): an LCD (dark
    segments on a grey window in a light housing) or an LED panel (light segments on black),
    italic by ``slant``, seen at an angle (``tilt``: share of the width the far edge shrinks by),
    turned in the picture's plane by ``turn`` degrees (counter-clockwise), with blur and sensor
    noise; its window ``window_height`` times as high as the digits. BGR."""
    from inspection.vision.sevenseg import PATTERNS

    rng = np.random.default_rng(seed)
    width, height = size
    h = digit_height
    w, t, gap = int(0.55 * h), max(3, int(0.13 * h)), int(0.25 * h)
    chars = [c for c in text if c != "."]
    dots = {len([c for c in text[:i] if c != "."]) - 1 for i, c in enumerate(text) if c == "."}
    row_w = len(chars) * (w + gap)
    win = (
        int(0.5 * (width - row_w)) - h // 2,
        int(0.5 * height - window_height / 2 * h),
        row_w + h,
        int(window_height * h),
    )
    ground, window, ink = (215, 150, 35) if polarity == "dark" else (60, 15, 235)
    image = np.full((height, width), ground, np.float32)
    x0, y0, ww, wh = win
    image[y0 : y0 + wh, x0 : x0 + ww] = window
    seg = np.zeros((height, width), np.uint8)
    top = y0 + (wh - h) // 2
    for k, char in enumerate(chars):
        left = x0 + h // 2 + k * (w + gap)
        lit = "0000001" if char == "-" else PATTERNS[char]
        for name, on in zip(SEGMENTS, lit, strict=True):
            if on == "1":
                cv2.fillPoly(seg, [_segment(name, left, top, w, h, t, slant)], 255)
        if k in dots:
            cx = left + w + gap // 2 - int(slant * t)
            cv2.circle(seg, (cx, top + h - t // 2), int(0.6 * t), 255, -1)
    image[seg > 0] = ink
    return _finish(image, polarity, ground, tilt=tilt, turn=turn, blur=blur, rng=rng)


def _finish(image, polarity, ground, *, tilt, turn, blur, rng) -> np.ndarray:
    """The drawn display photographed: seen at an angle, turned, blurred, with sensor noise;
    red for an LED panel. BGR."""
    height, width = image.shape
    if tilt:
        src = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
        shrink = tilt * height / 2
        dst = np.float32([[0, 0], [width, shrink], [width, height - shrink], [0, height]])
        image = cv2.warpPerspective(
            image, cv2.getPerspectiveTransform(src, dst), (width, height), borderValue=ground
        )
    if turn:
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), turn, 1.0)
        image = cv2.warpAffine(image, matrix, (width, height), borderValue=ground)
    if blur:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    image = np.clip(image + rng.normal(0, 4, image.shape), 0, 255).astype(np.uint8)
    colour = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if polarity == "light":
        colour[..., 0] = colour[..., 0] // 3  # red LEDs
        colour[..., 1] = colour[..., 1] // 3
    return colour


# 5x7 dot-matrix characters (rows top to bottom), as character LCD controllers draw them
DOTS = {
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11111 00010 00100 00010 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    ".": "00000 00000 00000 00000 00000 01100 01100",
    ":": "00000 01100 01100 00000 01100 01100 00000",
    "=": "00000 00000 11111 00000 11111 00000 00000",
    "/": "00000 00001 00010 00100 01000 10000 00000",
    "%": "11000 11001 00010 00100 01000 10011 00011",
    " ": "00000 00000 00000 00000 00000 00000 00000",
    "A": "01110 10001 10001 10001 11111 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
}


def text_display_photo(
    text: str,
    *,
    kind: str = "dot_matrix",
    polarity: str = "dark",
    char_height: int = 90,
    tilt: float = 0.0,
    turn: float = 0.0,
    size: tuple[int, int] = (1280, 720),
    blur: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """A photo of a display that is not 7-segment, showing ``text``: ``dot_matrix``, each
    character on a 5x7 grid of dots (the unlit dots faintly visible, as on a character LCD;
    digits, ". - : = / %", space and the capitals in ``DOTS``), or ``digital``, a plain
    sans-serif face (any printable ASCII). LCD or LED, seen as ``display_photo`` sees one. BGR."""
    rng = np.random.default_rng(seed)
    width, height = size
    h = char_height
    pitch = h / 7
    advance = 6 * pitch if kind == "dot_matrix" else 0.75 * h
    row_w = int(len(text) * advance)
    x0, y0 = int(0.5 * (width - row_w)) - h // 2, int(0.5 * height - 0.8 * h)
    ww, wh = row_w + h, int(1.6 * h)
    ground, window, ink = (215, 150, 35) if polarity == "dark" else (60, 15, 235)
    image = np.full((height, width), ground, np.float32)
    image[y0 : y0 + wh, x0 : x0 + ww] = window
    top, left = y0 + (wh - h) // 2, x0 + h // 2
    if kind == "dot_matrix":
        lit, unlit = np.zeros((height, width), np.uint8), np.zeros((height, width), np.uint8)
        for k, char in enumerate(text.upper()):
            for row, bits in enumerate(DOTS[char].split()):
                for col, bit in enumerate(bits):
                    centre = (int(left + k * advance + (col + 0.5) * pitch), int(top + (row + 0.5) * pitch))
                    cv2.circle(lit if bit == "1" else unlit, centre, max(1, int(0.42 * pitch)), 255, -1)
        image[unlit > 0] = window + 0.12 * (ink - window)
        image[lit > 0] = ink
    else:
        scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, h, max(2, h // 9))
        mask = np.zeros((height, width), np.uint8)
        cv2.putText(mask, text, (left, top + h), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, max(2, h // 9))
        image[mask > 0] = ink
    return _finish(image, polarity, ground, tilt=tilt, turn=turn, blur=blur, rng=rng)


def _segment(name: str, left: int, top: int, w: int, h: int, t: int, slant: float) -> np.ndarray:
    g = max(1, t // 4)
    mid = h // 2
    boxes = {
        "a": (t // 2 + g, 0, w - t // 2 - g, t),
        "b": (w - t, t // 2 + g, w, mid - g),
        "c": (w - t, mid + g, w, h - t // 2 - g),
        "d": (t // 2 + g, h - t, w - t // 2 - g, h),
        "e": (0, mid + g, t, h - t // 2 - g),
        "f": (0, t // 2 + g, t, mid - g),
        "g": (t // 2 + g, mid - t // 2, w - t // 2 - g, mid + t // 2),
    }
    x1, y1, x2, y2 = boxes[name]
    corners = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    return np.array([(left + x + slant * (h - y), top + y) for x, y in corners], np.int32)
