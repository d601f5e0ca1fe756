"""Reading a value whose format is known (a product's serial or lot pattern): find it in the
text, or repair it where a look-alike character (6/G, 0/O, 1/I, 8/B, 5/S, 2/Z) is the only
thing keeping it from the format. A repaired value says so, and carries a lower confidence so
it is reviewed rather than accepted."""

import re
from dataclasses import dataclass

LOOK_ALIKES = {
    "0": "OQD",
    "O": "0Q",
    "Q": "O0",
    "D": "0",
    "1": "IL7T",
    "I": "1L",
    "L": "1I",
    "T": "1",
    "2": "Z",
    "Z": "2",
    "5": "S",
    "S": "5",
    "6": "G",
    "G": "6",
    "8": "B",
    "B": "8",
    "7": "1",
    "4": "A",
    "A": "4",
    "9": "g",
}
SLOT = re.compile(r"(\\[dw]|\[[^\]]+\]|\\.|[^{])(?:\{(\d+)\})?")
MAX_REPAIRS = 2
REPAIR_PENALTY = 0.5


@dataclass(frozen=True)
class PatternMatch:
    value: str
    repaired: int  # how many characters were replaced by a look-alike
    confidence: float


def positions(pattern: str) -> list[str] | None:
    """A fixed-length pattern as one regex class per character (``1[GWX][0-9]{4}H`` → 7 slots),
    or None when its length is not fixed."""
    body = pattern.strip("^$")
    slots, at = [], 0
    for match in SLOT.finditer(body):
        if match.start() != at or match.group(1) in ("*", "+", "?", "|", "(", ")", "{", "}"):
            return None
        slots.extend([match.group(1)] * int(match.group(2) or 1))
        at = match.end()
    return slots if at == len(body) and slots else None


def match_value(text: str, pattern: str, confidence: float, alternatives: tuple = ()) -> PatternMatch | None:
    """The value in ``text`` (spaces ignored) that fits ``pattern``, repaired if it must be: with
    the character the engine weighed there (``alternatives``, per character of ``text``) when
    one fits, else with a look-alike."""
    compact = re.sub(r"\s+", "", text.upper())
    weighed = (
        [
            [a.upper() for a, _ in alts]
            for char, alts in zip(text, alternatives, strict=True)
            if not char.isspace()
        ]
        if len(alternatives) == len(text)
        else [[] for _ in compact]
    )
    # never upper-case the pattern itself: that would turn \d into \D
    exact = re.search(pattern.strip("^$"), compact, re.IGNORECASE)
    if exact:
        return PatternMatch(exact.group(), 0, confidence)
    slots = positions(pattern)
    if not slots or len(compact) < len(slots):
        return None
    best = None
    for start in range(len(compact) - len(slots) + 1):
        window, repaired, value = compact[start : start + len(slots)], 0, []
        for at, (char, slot) in enumerate(zip(window, slots, strict=True), start):
            if re.fullmatch(slot, char, re.IGNORECASE):
                value.append(char)
                continue
            swap = next(
                (
                    alt
                    for alt in [*weighed[at], *LOOK_ALIKES.get(char, "")]
                    if re.fullmatch(slot, alt.upper(), re.IGNORECASE)
                ),
                None,
            )
            if swap is None:
                break
            value.append(swap.upper())
            repaired += 1
        else:
            if repaired <= MAX_REPAIRS and (best is None or repaired < best.repaired):
                best = PatternMatch("".join(value), repaired, round(confidence * REPAIR_PENALTY, 4))
    return best
