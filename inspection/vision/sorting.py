"""Sort decisions: what is known about a part (defects found, classes a detector saw, its
colour) turned into a bin by the product's ordered rules. Plain Python.

A rule is ``{"if": {...}, "bin": "B"}``; every condition in ``if`` must hold:
- ``"defect": true|false``: a defect check failed (or all passed);
- ``"has": ["screw", ...]``: every class was detected (assembly complete);
- ``"missing": ["screw", ...]``: at least one of them was not;
- ``"class": "upside_down"``: this class was detected (type, orientation);
- ``"colour": "red"``: the part's colour is nearest this named reference.
The first rule that holds gives the bin; none: the default bin."""

from dataclasses import dataclass

import cv2
import numpy as np

CONDITIONS = ("defect", "has", "missing", "class", "colour")


class SortRuleError(ValueError):
    """A rule is malformed; the message names it."""


@dataclass(frozen=True)
class Facts:
    defect: bool | None  # None: no defect check ran
    classes: frozenset[str]
    colour: str = ""
    colour_distance: float = 0.0


@dataclass(frozen=True)
class Decision:
    bin: str
    rule: int | None  # index of the rule that decided, None for the default
    reasons: tuple[str, ...]


def check_rules(rules, colours: dict) -> list[dict]:
    if not isinstance(rules, list):
        raise SortRuleError("rules are a list")
    for number, rule in enumerate(rules, 1):
        if not isinstance(rule, dict) or not isinstance(rule.get("if"), dict) or not rule.get("bin"):
            raise SortRuleError(f"rule {number}: expected {{'if': {{...}}, 'bin': '...'}}")
        unknown = set(rule["if"]) - set(CONDITIONS)
        if unknown:
            raise SortRuleError(f"rule {number}: unknown condition {', '.join(sorted(unknown))}")
        if "colour" in rule["if"] and rule["if"]["colour"] not in colours:
            raise SortRuleError(f"rule {number}: colour {rule['if']['colour']!r} has no reference")
    return rules


def dominant_colour(image: np.ndarray, colours: dict, region=None) -> tuple[str, float]:
    """The named reference (``{"red": [r, g, b]}``) nearest the part's colour, in CIE Lab, and
    the distance. The part is what differs from the image's border (the belt or fixture);
    ``region`` (fractions x1 y1 x2 y2) narrows where to look."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    h, w = image.shape[:2]
    if region:
        x1, y1, x2, y2 = region
        image = image[
            int(y1 * h) : max(int(y1 * h) + 1, int(y2 * h)), int(x1 * w) : max(int(x1 * w) + 1, int(x2 * w))
        ]
    lab = cv2.cvtColor(cv2.resize(image, (96, 96), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2LAB).astype(
        np.float32
    )
    border = np.concatenate(
        [
            lab[:4].reshape(-1, 3),
            lab[-4:].reshape(-1, 3),
            lab[:, :4].reshape(-1, 3),
            lab[:, -4:].reshape(-1, 3),
        ]
    )
    background = np.median(border, 0)
    distance = np.linalg.norm(lab - background, axis=2)
    part = distance > max(12.0, float(np.percentile(distance, 50)))
    pixels = lab[part] if part.sum() > 50 else lab.reshape(-1, 3)
    mean = np.median(pixels, 0)
    best, best_distance = "", float("inf")
    for name, rgb in colours.items():
        reference = cv2.cvtColor(np.uint8([[rgb[::-1]]]), cv2.COLOR_BGR2LAB).astype(np.float32)[0, 0]
        d = float(np.linalg.norm(mean - reference))
        if d < best_distance:
            best, best_distance = name, d
    return best, best_distance


def decide(rules: list[dict], facts: Facts, default: str) -> Decision:
    for index, rule in enumerate(rules):
        held = []
        for name, want in rule["if"].items():
            if name == "defect":
                ok = facts.defect is not None and facts.defect == bool(want)
                held.append((ok, "a defect was found" if want else "no defect"))
            elif name == "has":
                ok = set(want) <= facts.classes
                held.append((ok, f"has {', '.join(want)}"))
            elif name == "missing":
                absent = sorted(set(want) - facts.classes)
                held.append((bool(absent), f"missing {', '.join(absent)}"))
            elif name == "class":
                held.append((want in facts.classes, f"detected {want}"))
            else:
                held.append((facts.colour == want, f"colour {want}"))
        if all(ok for ok, _ in held):
            return Decision(rule["bin"], index, tuple(reason for _, reason in held))
    return Decision(default, None, ("no rule matched",))
