"""A synthetic bare board for the demo data and the tests: dark traces and a pad on a light
ground, and the same board with known defects put in (each at a known place, of a known kind).
Made here so that neither ships a photo it may not redistribute."""

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
