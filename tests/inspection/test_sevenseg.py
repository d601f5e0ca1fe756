"""The 7-segment reader on photos made here (LCD and LED, slant, tilt, blur), and its clear
results for photos it cannot read."""

from dataclasses import replace

import cv2
import numpy as np
import pytest

import inspection.vision.sevenseg as sevenseg
from inspection.bench.meters import _tilted
from inspection.demo import display_photo, text_display_photo
from inspection.vision.sevenseg import Digit, DisplayConfig, DisplayReading, read_display
from inspection.vision.sevenseg.reader import (
    DOTTED,
    EIGHTS,
    GAPPED,
    HALF_FIRST_ONE,
    LONE_DIGIT,
    SPREAD_OUT,
    UNREAD,
    _levelled,
    _unread_beside,
)
from inspection.vision.sevenseg.reading import SEGMENT_OFF
from ocr.pipeline.text import get_engine


@pytest.mark.parametrize(
    ("text", "polarity", "options"),
    [
        ("123.45", "dark", {}),
        ("905.2", "dark", {"tilt": 0.25}),
        ("60.18", "dark", {"blur": 2.0, "seed": 3}),
        ("7.03", "light", {}),
        ("4096", "light", {"slant": 0.0, "digit_height": 70}),
    ],
)
def test_reads_the_value_in_a_full_photo(text, polarity, options):
    reading = read_display(display_photo(text, polarity=polarity, **options))
    assert reading.text == text
    assert reading.value == float(text)
    assert reading.polarity == polarity
    assert reading.reason == ""
    assert len(reading.digits) == len(text.replace(".", ""))
    assert all(d.confidence >= 0.5 for d in reading.digits)


def test_digit_boxes_are_in_the_photos_pixels_left_to_right():
    photo = display_photo("258", digit_height=150)
    reading = read_display(photo)
    lefts = [d.box[0] for d in reading.digits]
    assert lefts == sorted(lefts)
    for digit in reading.digits:
        x, y, w, h = digit.box
        assert 0 <= x and x + w <= photo.shape[1] and 100 <= h <= 200  # the digit, at full size


def test_minus_sign_only_where_the_display_has_one():
    photo = display_photo("-8.07", polarity="light")
    assert read_display(photo, DisplayConfig(signed=True)).value == -8.07
    assert read_display(photo, DisplayConfig(signed=False)).value == 8.07


@pytest.mark.parametrize(
    ("text", "polarity", "slant", "tilt", "turn"),
    [
        ("-34", "dark", 0.19, 0.14, 1.2),
        ("-66.167", "light", 0.02, 0.15, -2.8),
        ("-33.63", "light", 0.07, 0.14, -3.0),
    ],
)
def test_a_minus_sign_seen_at_an_angle_is_read(text, polarity, slant, tilt, turn):
    # seen at an angle the sign, a digit's width before the first digit, stands off the row's
    # mid-height: a bar is looked for two digits' widths back and across the middle of the row
    photo = display_photo(text, polarity=polarity, slant=slant, tilt=tilt, turn=turn)
    reading = read_display(photo, DisplayConfig(signed=True))
    assert (reading.text, reading.reason) == (text, "")


@pytest.mark.parametrize(("text", "as_it_stands"), [("-89", "68"), ("-5.6", "95")])
@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_a_minus_sign_after_the_digits_tells_the_display_upside_down(text, as_it_stands, polarity):
    turned = cv2.rotate(display_photo(text, polarity=polarity), cv2.ROTATE_180)
    reading = read_display(turned, DisplayConfig(signed=True))
    flagged = f"the display is upside down in the photo: read turned round (as it stands, {as_it_stands})"
    assert (reading.text, reading.reason) == (text, flagged)


def test_fixed_decimals_apply_when_no_point_is_lit():
    reading = read_display(display_photo("1250"), DisplayConfig(decimals=2, point_shown=False))
    assert (reading.text, reading.value, reading.decimal_seen, reading.reason) == ("12.50", 12.5, False, "")


def test_a_point_not_seen_on_a_display_that_lights_one_is_placed_and_flagged():
    # 73.00 that lost its last digit and its point under glare shows 730: placed, it would be 7.30
    unseen = (
        "no decimal point seen, where the display lights one (decimals: 2): it was placed there, "
        "but the point, or a digit with it, may be lost"
    )
    for polarity in ("dark", "light"):
        lost = read_display(display_photo("730", polarity=polarity), DisplayConfig(decimals=2))
        assert (lost.text, lost.decimal_seen, lost.reason) == ("7.30", False, unseen)
        whole = read_display(display_photo("73.00", polarity=polarity), DisplayConfig(decimals=2))
        assert (whole.text, whole.decimal_seen, whole.reason) == ("73.00", True, "")
    # no fixed decimals, or none: nothing to place
    assert read_display(display_photo("730"), DisplayConfig()).reason == ""
    assert read_display(display_photo("730"), DisplayConfig(decimals=0)).reason == ""


def test_a_photo_with_no_display_gives_no_value_and_says_why():
    rng = np.random.default_rng(0)
    blank = (rng.normal(128, 3, (720, 1280, 3))).clip(0, 255).astype(np.uint8)
    reading = read_display(blank)
    assert reading.value is None
    assert reading.reason == "no display digits found"


@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_digits_further_apart_than_a_displays_are_flagged(polarity):
    """Streaks on a machined surface read as a 1 and a 7 nearly two digits' heights apart; a
    display's digits stand under one apart. The same two digits pulled apart are flagged."""
    photo = display_photo("25", polarity=polarity, slant=0.0, size=(1280, 720))
    reading = read_display(photo)
    assert (reading.text, reading.reason) == ("25", "")
    (x, _, w, h), (after, _, _, _) = (d.box for d in reading.digits)
    middle = (x + w + after) // 2
    apart = np.concatenate(
        [photo[:, :middle], np.repeat(photo[:, middle : middle + 1], h, axis=1), photo[:, middle:]], axis=1
    )
    pulled = read_display(apart)
    assert pulled.text == "25"
    assert pulled.reason == SPREAD_OUT


@pytest.mark.parametrize("polarity", ["dark", "light"])
@pytest.mark.parametrize(("text", "lost"), [("91.11", 1), ("4821", 1), ("4821", 2), ("7.305", 2)])
def test_a_digit_lost_between_two_others_is_flagged(text, lost, polarity):
    """A digit the row lost between two others (motion blur read 91.11 as 9.11, a 1 lost between
    the 9 and the next 1) leaves its place empty: one step between the digits is twice another.
    A digit wiped out in a render was read without it, unflagged (9.11, 4.21, 481, 7.35)."""
    gray = cv2.cvtColor(display_photo(text, polarity=polarity, slant=0.1), cv2.COLOR_BGR2GRAY)
    x, y, w, h = read_display(gray).digits[lost].box
    gray[y - 3 : y + h + 3, x - 3 : x + w + 3] = int(np.median(gray[y - 5 : y, x : x + w]))
    reading = read_display(gray)
    assert reading.text != text
    assert reading.reason == GAPPED


def test_more_digits_than_the_display_has_is_no_value():
    reading = read_display(display_photo("88888"), DisplayConfig(digits=3))
    assert reading.value is None
    assert "display has 3" in reading.reason


def test_a_damaged_digit_is_unsure_not_silently_wrong():
    photo = display_photo("48.1", slant=0.0)
    reading = read_display(photo)
    x, y, w, h = reading.digits[0].box
    photo[y : y + h // 2 - 4, x : x + w // 3] = 150  # the "4" loses its top-left segment: "1" or "4"?
    damaged = read_display(photo)
    assert damaged.digits[0].confidence < 0.5
    assert damaged.reason in ("uncertain digit", "a digit fits no pattern")


@pytest.mark.parametrize("text", ["40.0", "20.5"])
def test_a_digit_one_whole_segment_off_its_pattern_is_unsure(text):
    """A 0 whose top bar is lost in shade fits no digit but is one segment from a 0: unsure (in
    the same shade a 7 loses its top bar and reads as 1, a number that looks right)."""
    photo = display_photo(text, slant=0.0)
    x, y, w, h = read_display(photo).digits[1].box
    photo[y : y + h // 6, x + w // 5 : x + w - w // 5] = 150
    shaded = read_display(photo)
    assert shaded.digits[1].char == "0"
    assert shaded.digits[1].confidence == SEGMENT_OFF
    assert shaded.reason == "uncertain digit"


def test_two_displays_in_one_photo_are_flagged():
    both = np.hstack([display_photo("12.5", size=(900, 600)), display_photo("47.0", size=(900, 600), seed=2)])
    reading = read_display(both)
    assert reading.rows == 2
    assert reading.reason == "2 displays in the photo: the clearest was read"
    assert read_display(display_photo("12.5")).rows == 1


@pytest.mark.parametrize("text", ["51.00", "227.00", "36.01"])
def test_a_frame_edge_along_the_digits_does_not_join_them(text):
    photo = display_photo(text, digit_height=120)
    photo[428:436, 200:1080] = 35  # a dark edge across the window, just under the digits
    reading = read_display(photo)
    assert (reading.text, reading.reason) == (text, "")


@pytest.mark.parametrize("text", ["123.45", "60.18", "7.03"])
def test_a_small_display_in_a_large_photo_keeps_its_decimal_point(text):
    # digits 110 px high in a 4000 x 3000 photo: 26 px in the reader's working copy
    reading = read_display(display_photo(text, digit_height=110, size=(4000, 3000), blur=1.5))
    assert (reading.text, reading.reason) == (text, "")


@pytest.mark.parametrize("text", ["123.45", "59.04", "227.00"])
def test_a_finger_over_the_first_digit_is_flagged_not_silently_wrong(text):
    import cv2

    photo = display_photo(text).copy()
    cv2.ellipse(photo, (240, 420), (260, 420), 0, 0, 360, (40, 45, 60), -1)  # a finger from the left
    reading = read_display(photo)
    assert reading.value is None or reading.reason  # never a clean reading of what is left


@pytest.mark.parametrize(("text", "after"), [("36.01", 1), ("51.00", 2), ("88.10", 1), ("123.45", 3)])
def test_digits_joined_by_a_smear_across_their_gap_are_all_read(text, after):
    # a dark smear joins two digits into one wide blob; the digits after it must not be dropped
    h = 120
    w, t, gap = int(0.55 * h), int(0.13 * h), int(0.25 * h)
    digits = len(text.replace(".", ""))
    x0 = int(0.5 * (1280 - digits * (w + gap))) - h // 2
    top = int(0.5 * 720 - 0.8 * h) + (int(1.6 * h) - h) // 2
    photo = display_photo(text).copy()
    gx = x0 + h // 2 + after * (w + gap) + w
    photo[top + h // 5 : top + h // 5 + t // 2, gx - 5 : gx + gap + 8] = 40
    reading = read_display(photo)
    assert reading.value is None or reading.reason or reading.text == text
    assert len(reading.digits) == digits


@pytest.mark.parametrize(("text", "first"), [("46.45", 0), ("246.0", 1), ("146.2", 1), ("74.00", 0)])
def test_a_band_across_two_digits_tops_is_no_segment_of_either(text, first):
    # glare that stops short of the window's top leaves a dark band along it, as thick as a bar,
    # over two digits and their gap: it made a 4 under it a 9, unflagged (96.45)
    h, slant = 120, 0.15
    w, t, gap = int(0.55 * h), int(0.13 * h), int(0.25 * h)
    digits = len(text.replace(".", ""))
    x0 = int(0.5 * (1280 - digits * (w + gap))) - h // 2
    top = int(0.5 * 720 - 0.8 * h) + (int(1.6 * h) - h) // 2
    photo = display_photo(text, slant=slant).copy()
    left = x0 + h // 2 + first * (w + gap) + int(slant * h / 2)
    photo[top : top + t, left : left + 2 * w + gap] = 35
    reading = read_display(photo)
    assert reading.reason.startswith("something runs into a digit from beside it")
    assert reading.text == text or text.startswith("7")  # a 7's own top bar is taken away too


@pytest.mark.parametrize("gap", [0, 5])
def test_a_window_that_a_shadow_touches_is_still_found_as_a_window(gap):
    # An LCD window and a shadow whose soft edge reaches it: at Otsu's level they are one dark
    # region, at the lower levels two. The window must be a candidate of its own, not dropped as
    # a part of the region it joined.
    import cv2

    from inspection.vision.sevenseg.places import _windows

    gray = cv2.cvtColor(display_photo("88.14", digit_height=100), cv2.COLOR_BGR2GRAY).astype(np.float32)
    gray[280:440, 470:810] *= 0.5  # the window (x 470-810, y 280-440), darker than the housing
    shade = np.zeros(gray.shape, np.float32)
    corners = [[0, 440 + gap], [470 - gap, 440 + gap], [900, 720], [0, 720]]
    cv2.fillPoly(shade, [np.array(corners, np.int32)], 1.0)
    gray = (gray * (1 - 0.85 * cv2.GaussianBlur(shade, (0, 0), 25))).astype(np.uint8)
    found = []
    for window, back, _ in _windows(gray):
        h, w = window.shape
        ends = np.float32([[[0, 0]], [[w, h]]])
        (x0, y0), (x1, y1) = cv2.perspectiveTransform(ends, back).reshape(-1, 2)
        found.append((x0, y0, x1, y1))
    assert any(np.allclose(box, (470, 280, 810, 440), atol=25) for box in found), found


@pytest.mark.parametrize("bezel", [25, 70])
def test_a_light_window_in_a_black_bezel_is_found_as_a_window(bezel):
    # an LCD whose grey window sits in a black bezel is lighter than what is around it
    from inspection.vision.sevenseg.places import _windows

    photo = display_photo("88.14", digit_height=100, turn=5)
    gray = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
    gray[gray > 190] = bezel  # the housing around the window, black
    found = []
    for window, back, _ in _windows(gray):
        h, w = window.shape
        ends = np.float32([[[0, 0]], [[w, h]]])
        found.append(cv2.perspectiveTransform(ends, back).reshape(-1))
    centre = (640, 360)  # the window's, where the photo was turned about
    assert any(
        abs((x0 + x1) / 2 - centre[0]) < 20 and abs((y0 + y1) / 2 - centre[1]) < 20
        for x0, y0, x1, y1 in found
    )
    assert read_display(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)).text == "88.14"


def test_an_led_panel_in_a_dark_bezel_is_found_as_a_window_and_squared():
    # a black LED panel in a dark red bezel: at Otsu's level both are dark, the lit segments
    # alone light, and the panel is no window of its own. Seen at a steep angle (the far end a
    # fifth smaller), the photo only levelled read the near 9 as a 3: a digit's width varies
    # along the row, and the 9's f fell out of its cell. Squared as a window, the row is read.
    from inspection.vision.sevenseg.places import _windows

    photo = display_photo(
        "9337", polarity="light", digit_height=208, slant=0.14, tilt=0.22, turn=10.4, blur=1.3, seed=242
    )
    gray = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA)  # the working copy
    assert any(window.shape[1] > 2 * window.shape[0] for window, _, _ in _windows(small))  # the long panel
    reading = read_display(photo)
    assert (reading.text, reading.reason) == ("9337", "")


@pytest.mark.parametrize("turn", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE])
@pytest.mark.parametrize(
    ("text", "both_ways"),
    [
        ("147.3", False),
        ("38.01", False),
        ("60.28", False),
        ("225.0", False),
        ("2250", False),
        ("6028", True),
        ("2258", True),
    ],
)
def test_a_display_on_its_side_is_read_the_right_way_up_or_flagged(text, turn, both_ways):
    # The window is read along its long edge both ways up. Upside down a 3, 4 or 7 fits no
    # pattern, but 0 2 5 6 8 9 are digits still: 60.28 is 8209 the other way up, with its point
    # at the digits' top, which tells the way up; 2250 is 0522, led by a 0 that displays leave
    # blank; 6028 (8209) has neither, and only a person can tell.
    reading = read_display(cv2.rotate(display_photo(text, digit_height=100), turn))
    if both_ways:
        assert reading.reason.startswith("the display stands on its side: it reads ")
        assert text in reading.reason
    else:
        assert (reading.text, reading.reason) == (text, "")


def _glare_over(photo: np.ndarray, box, light: float) -> np.ndarray:
    """Light reflected off the glass over the upper right of a digit (its b segment): it adds
    to what the display shows, and the camera clips what goes past white."""
    import cv2

    x, y, w, h = box
    spot = np.zeros(photo.shape[:2], np.float32)
    cv2.ellipse(spot, (x + int(0.85 * w), y + int(0.3 * h)), (18, 29), 20, 0, 360, 1.0, -1)
    spot = cv2.GaussianBlur(spot, (0, 0), 4)[..., None]
    return np.clip(photo + light * spot, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    ("text", "index", "hidden_as"), [("53.95", 2, "5"), ("47.90", 2, "5"), ("188.0", 1, "6")]
)
def test_glare_that_washes_out_a_segment_is_flagged_not_silently_wrong(text, index, hidden_as):
    photo = display_photo(text, slant=0.0)
    box = read_display(photo).digits[index].box
    reading = read_display(_glare_over(photo, box, 300))  # clipped: segment b is gone
    assert reading.digits[index].char == hidden_as
    assert reading.reason.startswith("glare over a digit")
    mild = read_display(_glare_over(photo, box, 100))  # not clipped: the segment still shows
    assert (mild.text, mild.reason) == (text, "")


@pytest.mark.parametrize("text", ["66.00", "225.0", "47.20"])
def test_a_last_digit_that_fits_no_pattern_is_flagged_not_dropped(text):
    # the last digit's right-hand segments are lost (a dead area, a reflection): what is left
    # (a, d, e, f) is no digit, but it is no frame edge either
    photo = display_photo(text, slant=0.0)
    x, y, w, h = read_display(photo).digits[-1].box
    photo[y - 4 : y + h + 4, x + int(0.6 * w) : x + w + 6] = 150
    reading = read_display(photo)
    assert reading.value is None or reading.reason


def test_a_point_off_the_registered_decimals_still_tells_where_the_point_was_seen():
    from inspection.vision.sevenseg.decode import POINT_OFF, UNCERTAIN
    from inspection.vision.sevenseg.reader import _point_elsewhere, _point_sighting

    # 73.00 with its last digit lost under glare: the whole photo read 73.0, flagged against the
    # display's 2 decimals, and its window 7.30, the point in the wrong gap; that 73.0 is where a
    # point was seen, and the 7.30 must not pass unflagged
    off = DisplayReading("73.0", 73.0, 1.0, reason=POINT_OFF.format(seen=1, registered=2))
    assert off.reason == "a decimal point 1 digits from the end, where the display has 2"
    assert _point_sighting(off) and _point_sighting(DisplayReading("7.30", 7.3, 1.0))
    assert not _point_sighting(replace(off, reason=UNCERTAIN))
    assert _point_elsewhere(DisplayReading("7.30", 7.3, 1.0), ("7.30", off.text)) == "73.0"


def test_a_decimal_point_where_the_display_has_none_is_flagged():
    photo = display_photo("12.50")
    assert read_display(photo, DisplayConfig(decimals=2)).reason == ""
    assert read_display(photo, DisplayConfig(decimals=0)).reason == (
        "a decimal point 2 digits from the end, where the display has 0"
    )
    assert read_display(display_photo("1250"), DisplayConfig(decimals=0)).reason == ""


@pytest.mark.parametrize("text", ["7123", "3761", "1208"])
@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_segment_ends_meeting_at_the_baseline_are_not_a_decimal_point(text, polarity):
    # a digit lighting c before one lighting e (1 then 2, 7 then 6) fills the baseline between them
    reading = read_display(display_photo(text, polarity=polarity, slant=0.0))
    assert reading.text == text
    assert reading.value == float(text)


@pytest.mark.parametrize(("text", "after"), [("201.00", 2), ("30.00", 1), ("81.6", 1)])
def test_a_decimal_point_joined_to_the_next_digit_is_read(text, after):
    import cv2

    h = 120
    w, t, gap = int(0.55 * h), int(0.13 * h), int(0.25 * h)
    digits = len(text.replace(".", ""))
    x0 = int(0.5 * (1280 - digits * (w + gap))) - h // 2
    top = int(0.5 * 720 - 0.8 * h) + (int(1.6 * h) - h) // 2
    photo = display_photo(text).copy()
    left = x0 + h // 2 + after * (w + gap)
    x, y = left + w + gap // 2 - int(0.15 * t), top + h - t // 2
    cv2.rectangle(photo, (x, y - t // 3), (left + w + gap + t // 2, y + t // 3), (35, 35, 35), -1)
    assert read_display(photo).text == text


@pytest.mark.parametrize(("text", "other", "polarity"), [("12.34", 2, "dark"), ("5.678", 1, "light")])
def test_a_second_mark_like_the_point_in_another_gap_makes_the_point_unsure(text, other, polarity):
    # a speck of dirt or glare as round and as centred as the point: which one is lit cannot be told
    h = 120
    w, t, gap = int(0.55 * h), int(0.13 * h), int(0.25 * h)
    digits = len(text.replace(".", ""))
    x0 = int(0.5 * (1280 - digits * (w + gap))) - h // 2
    top = int(0.5 * 720 - 0.8 * h) + (int(1.6 * h) - h) // 2
    photo = display_photo(text, polarity=polarity, slant=0.0)
    assert read_display(photo).reason == ""
    left = x0 + h // 2 + other * (w + gap)
    ink = (35, 35, 35) if polarity == "dark" else (78, 78, 235)
    cv2.circle(photo, (left + w + gap // 2, top + h - t // 2), int(0.6 * t), ink, -1)
    reading = read_display(photo)
    plain = text.replace(".", "")
    mark = plain[: other + 1] + "." + plain[other + 1 :]
    assert reading.text in (text, mark)
    rival = mark if reading.text == text else text
    assert reading.reason == f"the decimal point is unsure: {reading.text} may be {rival}"


def _marked(text: str, polarity: str, mark: str, shift: float) -> np.ndarray:
    """A display showing ``text`` with no point, and a speck at the baseline in the gap after its
    first digit, ``shift`` of the digits' pitch right of the gap's centre: a round one, or a
    right triangle half as solid (its centroid a third of its width in from its upright side)."""
    h = 120
    w, t, gap = int(0.55 * h), int(0.13 * h), int(0.25 * h)
    left = int(0.5 * (1280 - len(text) * (w + gap)))
    top = int(0.5 * 720 - 0.8 * h) + (int(1.6 * h) - h) // 2
    ink = (35, 35, 35) if polarity == "dark" else (78, 78, 235)
    photo = display_photo(text, polarity=polarity, slant=0.0)
    centre = left + w + gap // 2 + int(shift * (w + gap))
    if mark == "round":
        cv2.circle(photo, (centre, top + h - t // 2), int(0.6 * t), ink, -1)
    else:
        x = centre - t // 3
        cv2.fillPoly(photo, [np.array([[x, top + h - t], [x, top + h], [x + t, top + h]], np.int32)], ink)
    return photo


@pytest.mark.parametrize(("text", "polarity"), [("571", "dark"), ("471", "light"), ("3714", "dark")])
def test_a_mark_off_its_gaps_centre_makes_the_point_unsure(text, polarity):
    # centred in the gap the speck is the point (nothing tells it from one); a quarter of a
    # digit's pitch towards the next digit (a reflection's corner, dirt), it may be none, and the
    # reading is flagged
    from inspection.vision.sevenseg.row import OFF_CENTRE

    for shift, reason in ((0.0, ""), (0.25, OFF_CENTRE)):
        photo = _marked(text, polarity, "round", shift)
        reading = read_display(photo)
        assert (reading.text, reading.reason) == (f"{text[0]}.{text[1:]}", reason)
    # a display registered with the decimals the mark gives bears it out
    registered = read_display(photo, DisplayConfig(decimals=len(text) - 1))
    assert (registered.text, registered.reason) == (f"{text[0]}.{text[1:]}", "")


@pytest.mark.parametrize(("text", "polarity"), [("571", "dark"), ("471", "light")])
def test_a_half_solid_mark_a_little_off_its_gaps_centre_makes_the_point_unsure(text, polarity):
    # a mark half as solid as a point (a reflection's corner, or the cut-off end of its edge):
    # centred, it is the point; 0.14 of the pitch off it weighs 0.36 to 0.38, under
    # POINT_CENTRED (108.00 read 10.800, its point lost under a reflection, from such a mark
    # weighing 0.32 to 0.35), and is unsure. (On 3714, whose cells lie otherwise, the same shift
    # weighs 0.46.)
    from inspection.vision.sevenseg.row import OFF_CENTRE

    for shift, reason in ((0.0, ""), (0.14, OFF_CENTRE)):
        reading = read_display(_marked(text, polarity, "half solid", shift))
        assert (reading.text, reading.reason) == (f"{text[0]}.{text[1:]}", reason)


def test_a_point_another_reading_of_the_row_found_is_not_lost_silently():
    # small blurred LED digits seen at an angle: the point, two pixels wide, is lost in the reading
    # kept, while another reading of the same row, of the same digits, has it (or the row's own
    # gap holds some of its ink)
    photo = display_photo(
        "9.5", polarity="light", digit_height=47, slant=0.01, tilt=0.19, turn=4.32, blur=1.6, seed=1148
    )
    reading = read_display(photo)
    flagged = {
        ("95", "another reading of the row puts the decimal point elsewhere: 95 may be 9.5"),
        ("95", "the decimal point is unsure: 95 may be 9.5"),
    }
    assert (reading.text, reading.reason) in {("9.5", ""), *flagged}


def test_readings_of_the_same_digits_that_differ_in_their_sign_flag_it():
    from inspection.vision.sevenseg.reader import _sign_elsewhere

    assert _sign_elsewhere(DisplayReading("40", 40.0, 1.0), ("40", "-40")) == "-40"
    # other digits, another point, or the same reading again: nothing to flag
    assert _sign_elsewhere(DisplayReading("40", 40.0, 1.0), ("40", "-41", "-4.0")) is None
    # a minus that another reading lacks: a bar before the digits is seldom anything else
    assert _sign_elsewhere(DisplayReading("-8.07", -8.07, 1.0), ("8.07",)) is None


def test_a_minus_sign_another_reading_of_the_row_found_is_not_lost_silently():
    # a signed LED panel turned 7 degrees: as the photo stands, the row's tilt drops the minus
    # bar out of the band where a sign is looked for; levelled, it is seen
    photo = display_photo(
        "-40", polarity="light", digit_height=160, slant=0.05, tilt=0.074, turn=7.07, blur=1.59, seed=270
    )
    reading = read_display(photo, DisplayConfig(signed=True))
    flagged = ("40", "another reading of the row differs in its sign: 40 may be -40")
    assert (reading.text, reading.reason) in {("-40", ""), flagged}


@pytest.mark.parametrize(
    ("text", "polarity", "as_it_stands"), [("25.06", "dark", "9052"), ("520.9", "light", "6025")]
)
def test_a_display_upside_down_is_read_turned_round_and_flagged(text, polarity, as_it_stands):
    # 0 2 5 6 9 are digits either way up: as it stands the photo reads 9052, with the point at the
    # digits' top, where no display has one
    photo = display_photo(text, polarity=polarity)
    upright = read_display(photo)
    assert (upright.text, upright.reason) == (text, "")
    height, width = photo.shape[:2]
    reading = read_display(cv2.rotate(photo, cv2.ROTATE_180))
    assert (reading.text, reading.value) == (text, float(text))
    turned = f"the display is upside down in the photo: read turned round (as it stands, {as_it_stands})"
    assert reading.reason == turned
    x, y, w, h = upright.box  # the turned reading's boxes are in the photo's pixels
    assert abs(reading.box[0] - (width - x - w)) <= 3 and abs(reading.box[1] - (height - y - h)) <= 3


@pytest.mark.parametrize(
    ("text", "slant", "polarity", "as_it_stands"),
    [("98.86", 0.2, "dark", "9886"), ("9.6", 0.15, "light", "96"), ("18.5", 0.2, "light", "58")],
)
def test_a_point_joined_to_a_digits_top_tells_the_display_upside_down(text, slant, polarity, as_it_stands):
    # turned round, an italic display leans back and its point touches the next digit's top bar:
    # no mark of its own, but a point joined to a digit, as one at the baseline may be
    photo = cv2.rotate(display_photo(text, polarity=polarity, slant=slant), cv2.ROTATE_180)
    reading = read_display(photo)
    turned = f"the display is upside down in the photo: read turned round (as it stands, {as_it_stands})"
    assert (reading.text, reading.reason) == (text, turned)


def test_a_point_at_the_digits_top_flags_the_row_as_upside_down():
    from inspection.vision.sevenseg.cells import _decimal_point, _marks
    from inspection.vision.sevenseg.cells import _point_at_top as at_top

    def _point_at_top(mask, cells, top, bottom, stroke):
        solid, centred = _marks(mask, cells, top, bottom, stroke)
        return at_top(mask, cells, top, bottom, stroke, centred, _decimal_point(solid, centred)[0])

    # a row of two 8s standing upright on their cells, 20 px wide and 40 high, strokes 4 wide
    row = np.zeros((60, 80), np.uint8)
    cells, top, bottom = [(10, 20), (45, 20)], 10, 50
    for left, width in cells:
        cv2.rectangle(row, (left, top), (left + width, bottom), 255, 4)
        cv2.line(row, (left, 30), (left + width, 30), 255, 4)
    point = row.copy()
    cv2.rectangle(point, (37, bottom - 4), (41, bottom), 255, -1)  # the point, at the baseline
    above = row.copy()
    cv2.rectangle(above, (37, top), (41, top + 4), 255, -1)  # the same mark at the top
    assert not _point_at_top(point, cells, top, bottom, 4.0)
    assert _point_at_top(above, cells, top, bottom, 4.0)
    # as solid at the baseline as at the top: a speck, not a display turned round
    both = above | point
    assert not _point_at_top(both, cells, top, bottom, 4.0)
    # a point at the top joined to the digit before it: not a mark of its own, but ink of its own
    joined = row.copy()
    cv2.rectangle(joined, (30, top), (40, top + 4), 255, -1)
    assert _point_at_top(joined, cells, top, bottom, 4.0)
    assert not _point_at_top(joined | point, cells, top, bottom, 4.0)  # the point is at the baseline


def test_readings_of_the_same_digits_that_place_the_point_differently_flag_it():
    from inspection.vision.sevenseg.reader import _point_elsewhere

    reading = DisplayReading("7.30", 7.3, 1.0)
    assert _point_elsewhere(reading, ("7.30", "73.0")) == "73.0"
    assert _point_elsewhere(DisplayReading("21201", 21201.0, 1.0), ("212.01",)) == "212.01"
    # other digits, or the same reading again, or no point at all: nothing to flag
    assert _point_elsewhere(reading, ("7.30", "2.31", "730")) is None


@pytest.mark.parametrize(("text", "polarity"), [("5.2", "dark"), ("4.21", "light"), ("8.61", "light")])
def test_digits_joined_through_their_decimal_point_are_each_read(text, polarity):
    # large digits close together: the point bridges the digits beside it into one wide blob
    photo = display_photo(text, polarity=polarity, slant=0.0, digit_height=160, blur=1.5, seed=3)
    reading = read_display(photo)
    assert reading.text == text
    assert reading.reason == ""


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("34.16", {"slant": 0.2, "tilt": 0.3, "blur": 1.5, "digit_height": 90, "seed": 135}),
        ("7.4014", {"polarity": "light", "slant": 0.2, "tilt": 0.15, "blur": 1.5, "digit_height": 60}),
        ("127", {"slant": 0.2, "tilt": 0.15, "blur": 0.8, "digit_height": 40, "seed": 103}),
    ],
)
def test_a_point_touching_a_digit_is_placed_by_its_own_ink_not_by_segment_ends(text, options):
    # a steep slant puts the point against the digit before it; a "1" before a "6" or a "2"
    # leaves as much ink at the baseline between them as that point, but none of its own
    reading = read_display(display_photo(text, **options))
    assert reading.text == text


@pytest.mark.parametrize(
    ("text", "polarity", "slant", "blur"),
    [("53", "light", 0.2, 1.0), ("53", "dark", 0.1, 1.5), ("43", "dark", 0.2, 2.5), ("93", "dark", 0.2, 2.5)],
)
def test_the_bottom_bar_of_a_3_after_a_digit_is_not_a_decimal_point(text, polarity, slant, blur):
    # two digits give one gap: nothing to compare its baseline ink with, so its own ink decides
    photo = display_photo(text, polarity=polarity, digit_height=90, slant=slant, blur=blur, seed=20)
    assert read_display(photo).text == text
    point = display_photo(text[0] + "." + text[1], polarity=polarity, digit_height=90, slant=slant, blur=blur)
    assert read_display(point).text == text[0] + "." + text[1]


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("473", dict(polarity="dark", digit_height=99, slant=0.008, tilt=0.063, turn=-3, blur=1.18, seed=52)),
        (
            "7.43",
            dict(polarity="light", digit_height=87, slant=0.23, tilt=0.061, turn=-1.27, blur=1.41, seed=175),
        ),
    ],
)
def test_the_bottom_bar_of_a_3_in_a_longer_row_is_not_a_decimal_point(text, options):
    # no e stands on a 3's bottom bar: its left end lies at the baseline in the gap's margin, as a
    # point joined to the 3 would, and outweighed the gap's real point or made one (47.3, 743)
    reading = read_display(display_photo(text, **options))
    assert (reading.text, reading.reason) == (text, "")


def test_a_point_blurred_into_the_digit_before_it_is_not_lost_silently():
    # small, blurred and seen at an angle, the point melts into the 9's bottom bar: too little ink
    # of its own to place it, enough that the reading without it is not given as sure
    options = dict(polarity="light", digit_height=51, slant=0.049, tilt=0.24, turn=6.36, blur=1.77, seed=98)
    reading = read_display(display_photo("9.4", **options))
    assert reading.text == "9.4" or (reading.text, reading.reason) == (
        "94",
        "the decimal point is unsure: 94 may be 9.4",
    )


def _faint_point(text: str, keep: float, **options) -> np.ndarray:
    """A photo of ``text`` whose decimal point keeps ``keep`` of its contrast with the window
    (glare over it, a point segment lit less than the digits')."""
    photo = display_photo(text, slant=0.0, **options)
    digits = read_display(photo).digits
    before = text.index(".") - 1
    (x, y, w, h), (after, *_) = digits[before].box, digits[before + 1].box
    gap = photo[y + h - h // 4 : y + h + h // 8, x + w : after]
    ground = np.percentile(gap, 90)
    photo[y + h - h // 4 : y + h + h // 8, x + w : after] = ground - keep * (ground - gap.astype(np.float32))
    return photo


@pytest.mark.parametrize("text", ["22.8", "470.18", "66.76"])
def test_a_point_fainter_than_the_digits_is_not_lost_silently(text):
    reading = read_display(_faint_point(text, 0.4, digit_height=90))
    bare = text.replace(".", "")
    assert reading.text == text or (reading.text, reading.reason) == (
        bare,
        f"the decimal point is unsure: {bare} may be {text}",
    )
    # a display registered with as many fixed decimals has its point placed there: the faint
    # mark is no rival to it, and says so
    decimals = len(text) - text.index(".") - 1
    registered = read_display(_faint_point(text, 0.4, digit_height=90), DisplayConfig(decimals=decimals))
    assert (registered.text, registered.reason) == (
        text,
        f"the decimal point is unsure: only a faint mark where {text} has it",
    )


def test_a_mark_beside_the_window_and_glare_in_it_do_not_replace_the_rows_value():
    # the larger kernel reads the mark on the housing as a 1 and the glare spot as a digit that
    # fits no pattern: a wider row with a half digit more evidence, which is no reason to give up
    # the window's value for it
    photo = display_photo("197.4", digit_height=74, slant=0.15, blur=1.6, seed=251)
    spot = np.zeros(photo.shape[:2], np.float32)
    cv2.ellipse(spot, (537, 378), (14, 18), 25, 0, 360, 1.0, -1)
    photo = np.clip(photo + 96 * cv2.GaussianBlur(spot, (0, 0), 4)[..., None], 0, 255).astype(np.uint8)
    cv2.fillPoly(photo, [np.array([[445, 333], [452, 333], [452, 392], [445, 380]], np.int32)], (48, 48, 48))
    reading = read_display(photo)
    assert reading.text == "197.4"


@pytest.mark.parametrize(
    ("text", "polarity", "turn"),
    [("38.01", "light", 8), ("204.0", "light", -12), ("7.45", "dark", 15), ("5613", "light", -5)],
)
def test_a_photo_taken_at_an_angle_is_read_level(text, polarity, turn):
    # an LED panel has no window whose corners would straighten it: the photo itself is levelled
    reading = read_display(display_photo(text, polarity=polarity, turn=turn, digit_height=100))
    assert reading.text == text
    assert reading.reason == ""


@pytest.mark.parametrize(("text", "slant"), [("714", 0.0), ("1.17", 0.2), ("29.00", 0.2), ("4711", 0.0)])
@pytest.mark.parametrize("turn", [0, 5, -12])
def test_the_turn_of_a_photo_is_measured_from_its_level_edges(text, slant, turn):
    from inspection.vision.sevenseg.places import _tilt

    photo = display_photo(text, polarity="light", slant=slant, turn=turn)
    assert abs(_tilt(cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)) + turn) <= 0.5


@pytest.mark.parametrize(("text", "turn"), [("714", -6), ("714", 6), ("171", -9), ("7.1", 7)])
def test_a_turned_row_of_few_bars_is_levelled_and_its_7_kept(text, turn):
    # A row of 1s and 7s has few horizontal bars to level it by; the photo not levelled, the 7's
    # top bar is turned out of its zone and it reads as a 1 as surely as the levelled 7.
    photo = display_photo(text, polarity="light", digit_height=180, slant=0.0, turn=turn, blur=0.8)
    reading = read_display(photo)
    assert (reading.text, reading.reason) == (text, "")


@pytest.mark.parametrize(("text", "turn"), [("38.01", 0), ("5613", 0), ("204.0", 7), ("90.5", -10)])
def test_a_close_up_that_the_digits_fill_is_read(text, turn):
    # no housing around the window, strokes wider than the whole photo's finer kernel
    photo = display_photo(text, digit_height=200, size=(1600, 900), turn=turn)
    width = 180 * len(text.replace(".", ""))
    close = photo[260:640, 800 - width // 2 - 60 : 800 + width // 2 + 60]
    reading = read_display(close)
    assert reading.text == text
    assert reading.reason == ""


def _close_up(photo: np.ndarray, margin: float) -> np.ndarray:
    """``photo`` cut to its digits' row and ``margin`` digit heights around it."""
    x, y, w, h = read_display(photo).box
    m = int(margin * h)
    return photo[max(0, y - m) : y + h + m, max(0, x - m) : x + w + m].copy()


@pytest.mark.parametrize(
    ("text", "polarity", "margin"),
    [("90.5", "dark", 0.35), ("487", "light", 0.35), ("38.01", "dark", 0.2), ("5613", "dark", 0.2)],
)
def test_a_close_up_of_large_digits_is_not_read_as_one_edge(text, polarity, margin):
    # The window fills the photo, so it is no window; the whole photo's finer kernel is narrower
    # than the strokes and reads nothing but a "1" from some edge. A lone "1" is no settled
    # reading: the coarser kernel must still be tried.
    photo = display_photo(text, polarity=polarity, digit_height=220, size=(1980, 900), seed=len(text))
    reading = read_display(_close_up(photo, margin))
    assert (reading.text, reading.reason) == (text, "")


def test_a_cell_in_the_columns_that_straightening_pads_is_cut_by_the_regions_edge():
    # Straightening a slant pads the row's columns; the housing's edge, sheared into that padding,
    # lay on the digits' pitch and was read as digits beyond the photo (an LQ photo: 6570.89 for
    # 17.89, its box starting left of the photo)
    from inspection.vision.sevenseg.cells import _cells

    mask = np.zeros((140, 520), np.uint8)
    for k in range(4):  # four 0s, 60 px wide on a 100 px pitch
        cv2.rectangle(mask, (40 + 100 * k, 20), (99 + 100 * k, 119), 255, 12)
    whole, _, _ = _cells(mask, 20, 120, 12.0, (0, 520))
    cut, _, _ = _cells(mask, 20, 120, 12.0, (70, 520))  # the region's pixels start at column 70
    assert len(whole) == 4 and cut == whole[1:]


def test_a_cell_that_starts_before_the_regions_edge_is_measured_inside_it():
    # Touching digits are cut on the digits' width from their right edge, which can put a cell's
    # left before column 0 (a blurred, noisy, JPEG-coded LED photo). Slicing from a negative
    # column reads from the row's far end: a band across the digits' tops raised IndexError, and
    # a minus sign was looked for across the whole row.
    from inspection.vision.sevenseg.decode import _minus
    from inspection.vision.sevenseg.row import _bridged

    mask = np.zeros((40, 100), np.uint8)
    mask[4:10] = 255  # a band across every digit's top and every gap
    cells = [(-14, 17), (5, 15), (24, 16)]
    assert _bridged(mask, cells, 4, 32) == {1, 2}  # the first cell's middle lies past the edge
    row = np.zeros((40, 100), np.uint8)
    row[18:24, 40:95] = 255  # a digit's g far to the right of the first cell
    assert not _minus(row, (-14, 17), 4, 36)


def test_a_lone_1_is_flagged_it_may_be_an_edge():
    bar = np.full((720, 1280, 3), 200, np.uint8)
    bar[250:450, 600:622] = 30  # one dark upright bar: a frame's edge, a shadow's border, or a 1
    reading = read_display(bar)
    assert reading.value is None or reading.reason == "a lone 1: it may be an edge in the photo, not a digit"
    one = read_display(display_photo("1"))
    assert (one.text, one.reason) == ("1", "a lone 1: it may be an edge in the photo, not a digit")


def test_a_lone_7_is_flagged_it_may_be_a_corner():
    corner = np.full((720, 1280, 3), 200, np.uint8)
    corner[250:270, 500:640] = 30  # a frame's dark corner: a top edge and a right-hand edge
    corner[250:450, 620:640] = 30
    reading = read_display(corner)
    lone = "a lone 7: it may be a corner in the photo (a frame's), not a digit"
    assert reading.value is None or reading.reason == lone
    seven = read_display(display_photo("7", polarity="light"))
    assert (seven.text, seven.reason) == ("7", lone)
    assert read_display(display_photo("77")).reason == ""  # two of them are a display's


@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_a_lone_0_is_flagged_it_may_be_an_outline(polarity):
    box = np.full((720, 1280, 3), 200, np.uint8)
    cv2.rectangle(box, (600, 250), (700, 430), (30, 30, 30), 18)  # a box's outline, a pad on a board
    reading = read_display(box)
    lone = "a lone 0: it may be an outline in the photo (a box, a label, a pad), not a digit"
    assert (reading.text, reading.reason) == ("0", lone)
    zero = read_display(display_photo("0", polarity=polarity))
    assert (zero.text, zero.reason) == ("0", lone)
    # a display registered with its digits shows a lone 0 at zero, its leading digits blank
    registered = read_display(display_photo("0", polarity=polarity), DisplayConfig(digits=4))
    assert (registered.text, registered.reason) == ("0", "")
    assert read_display(display_photo("00", polarity=polarity)).reason == LEADING_ZERO  # not lone


@pytest.mark.parametrize("digit", "2345689")
def test_a_lone_digit_is_flagged_where_the_display_is_not_registered_with_its_digits(digit):
    # the others beside it may be lost: noise over a dim window left 91.11's sure 9 alone
    alone = read_display(display_photo(digit))
    assert (alone.text, alone.reason) == (digit, LONE_DIGIT)
    # registered, a lone digit is the display's blank leading digits
    registered = read_display(display_photo(digit), DisplayConfig(digits=4))
    assert (registered.text, registered.reason) == (digit, "")
    assert read_display(display_photo(digit + "5")).reason == ""  # two digits are no lone one


def _bar_into_first_digit(photo, digit, reach):
    """A dark bar a stroke thick at the digits' top, from beyond the first digit's cell into it
    (to ``reach`` of its width), and down its left side: a reflection or a window's corner."""
    x, y, w, h = digit.box
    t = int(0.13 * h)
    ink = (35, 35, 35) if photo[y + h // 2, x].mean() > 100 else (235, 235, 235)
    barred = photo.copy()
    cv2.rectangle(barred, (x - w, y), (x + int(reach * w), y + t), ink, -1)
    if reach > 0:
        cv2.rectangle(barred, (x + t // 2, y), (x + t // 2 + t, y + int(0.42 * h)), ink, -1)
    return barred


@pytest.mark.parametrize(
    ("text", "polarity", "read", "other"),
    [
        ("120.00", "dark", "720.00", "1"),
        ("13.5", "dark", "73.5", "1"),
        ("120.00", "light", "720.00", "1"),
        ("31.5", "dark", "91.5", "3"),
    ],
)
def test_ink_running_into_the_first_digit_from_its_left_is_flagged(text, polarity, read, other):
    # a 1 with a bar joining its top from the left reads as a 7; a 3 with it, as a 9
    photo = display_photo(text, polarity=polarity)
    clean = read_display(photo)
    assert (clean.text, clean.reason) == (text, "")
    barred = read_display(_bar_into_first_digit(photo, clean.digits[0], 0.8))
    joined = "something runs into a digit from beside it (a reflection, the frame, glare's edge)"
    assert barred.text in (text, read)
    assert barred.text == text or barred.reason == f"{joined}: {read[0]} may be {other}"
    # a bar that stops short of the digit's cell is not the digit's: nothing to flag
    short = read_display(_bar_into_first_digit(photo, clean.digits[0], -0.2))
    assert (short.text, short.reason) == (text, "")


def _bar_into_last_digit(photo, digit, reach):
    """A dark bar a stroke thick at the digits' top, from beyond the last digit's cell into it
    (to ``reach`` of its width from its right): a reflection or a window's corner."""
    x, y, w, h = digit.box
    ink = (35, 35, 35) if photo[y + h // 2, x].mean() > 100 else (235, 235, 235)
    barred = photo.copy()
    cv2.rectangle(barred, (x + w - int(reach * w), y), (x + 2 * w, y + int(0.13 * h)), ink, -1)
    return barred


@pytest.mark.parametrize(
    ("text", "polarity", "read"),
    [("12.1", "dark", "12.7"), ("38.01", "light", "38.07"), ("220.1", "light", "220.7")],
)
def test_ink_running_into_the_last_digit_from_its_right_is_flagged(text, polarity, read):
    # a last 1 with a bar joining its top from the right reads as a 7
    photo = display_photo(text, polarity=polarity)
    clean = read_display(photo)
    assert (clean.text, clean.reason) == (text, "")
    barred = read_display(_bar_into_last_digit(photo, clean.digits[-1], 0.5))
    joined = "something runs into a digit from beside it (a reflection, the frame, glare's edge)"
    assert barred.text in (text, read)
    assert barred.text == text or barred.reason == f"{joined}: 7 may be 1"
    # a bar that stops short of the digit's cell is not the digit's: nothing to flag
    short = read_display(_bar_into_last_digit(photo, clean.digits[-1], -0.2))
    assert (short.text, short.reason) == (text, "")


def _faint(photo, keep):
    """The LCD's segments ``keep`` as dark against its window (150) as they were: a display of
    little contrast, lit from the front."""
    pixels = photo.astype(np.float32)
    return np.where(pixels < 150, 150 - (150 - pixels) * keep, pixels).astype(np.uint8)


def _window_edge_before(photo, digits, keep):
    """The window's left edge one pitch before the first digit, where a "1" would stand: a
    shadow along it as dark as the segments, the light housing beyond."""
    (x, y, w, h), (next_x, *_) = digits[0].box, digits[1].box
    right, t = x - (next_x - x) + w, int(0.13 * h)
    edged = photo.copy()
    edged[y - h // 4 : y + h + h // 4, : right - t] = 215
    edged[y - h // 4 : y + h + h // 4, right - t : right] = int(150 - 115 * keep)
    return edged


@pytest.mark.parametrize(("text", "slant"), [("85.00", 0.0), ("85.00", 0.15), ("20.5", 0.1), ("185.00", 0.1)])
def test_a_window_edge_beside_the_digits_is_not_read_as_a_1(text, slant):
    # on a faint LCD, the shadow along the window's edge is as dark as a segment: a 1 before the
    # digits, but past it lies the housing, far lighter than the window's ground
    photo = _faint(display_photo(text, slant=slant), 0.12)
    clean = read_display(photo)
    assert (clean.text, clean.reason) == (text, "")
    edged = read_display(_window_edge_before(photo, clean.digits, 0.12))
    assert (edged.text, edged.reason) == (text, "")


@pytest.mark.parametrize(
    ("text", "polarity", "at"), [("143.0", "dark", 0.3), ("198.6", "light", 0.5), ("17.25", "dark", 0.3)]
)
def test_a_1_the_photos_edge_cuts_before_the_row_is_flagged(text, polarity, at):
    # the edge cuts the blank left of a 1's cell: its bar is whole, but one upright stroke is what
    # a frame's edge shows too; a 1's stops at the digits' top and bottom
    photo = display_photo(text, polarity=polarity)
    x, _, w, _ = read_display(photo).digits[0].box
    cut = read_display(photo[:, x + int(at * w) :].copy())
    assert (cut.text, cut.reason) == (text[1:], "the photo's edge cuts a digit off: one may be missing")
    # cut in the blank before the row, nothing is flagged
    blank = read_display(photo[:, x - int(0.3 * w) :].copy())
    assert (blank.text, blank.reason) == (text, "")


LEADING_ZERO = (
    "a leading 0, where displays leave leading digits blank: a digit before it may be lost, "
    "or the display upside down"
)


@pytest.mark.parametrize(
    ("text", "config", "reason"),
    [
        ("06.01", DisplayConfig(), LEADING_ZERO),  # 206.01 with its 2 lost
        ("00.50", DisplayConfig(), LEADING_ZERO),
        ("0.25", DisplayConfig(), ""),  # the 0 before the point is the display's
        ("0", DisplayConfig(digits=3), ""),  # a display registered with 3 digits at zero
        ("0123", DisplayConfig(digits=4), ""),  # a display registered with 4 digits shows all four
        ("0123", DisplayConfig(digits=5), LEADING_ZERO),
    ],
)
def test_a_leading_0_is_flagged_a_digit_before_it_may_be_lost(text, config, reason):
    reading = read_display(display_photo(text, polarity="light"), config)
    assert (reading.text, reading.reason) == (text, reason)


@pytest.mark.parametrize(("text", "polarity"), [("650", "dark"), ("9500", "dark"), ("80", "light")])
def test_a_display_upside_down_with_no_point_is_told_by_its_leading_0(text, polarity):
    # turned round, a trailing 0 leads: 650 reads 059, and no point stands at the top to tell
    turned = cv2.rotate(display_photo(text, polarity=polarity), cv2.ROTATE_180)
    reading = read_display(turned)
    as_it_stands = "".join(reversed(text.translate(str.maketrans("69", "96"))))
    assert (reading.text, reading.reason) == (
        text,
        f"the display is upside down in the photo: read turned round (as it stands, {as_it_stands})",
    )


@pytest.mark.parametrize(
    ("text", "polarity", "as_it_stands"),
    [("38", "dark", "86"), ("49", "light", "66"), ("393", "dark", "666"), ("2634", "light", "6692")],
)
def test_a_3_4_or_7_upside_down_tells_the_display_is_upside_down(text, polarity, as_it_stands):
    # turned round, a 3 shows a 6 without its lower right bar, a 4 a 6 without its top and bottom
    # bars: no point at the top, no leading 0, but digits that fit better turned round
    assert read_display(display_photo(text, polarity=polarity)).reason == ""
    reading = read_display(cv2.rotate(display_photo(text, polarity=polarity), cv2.ROTATE_180))
    assert (reading.text, reading.reason) == (
        text,
        f"the display is upside down in the photo: read turned round (as it stands, {as_it_stands})",
    )


def test_a_digit_that_fits_better_turned_round_is_flagged():
    # 74 turned round: the turned photo reads no clearer, so the reading as it stands is flagged
    reading = read_display(cv2.rotate(display_photo("74"), cv2.ROTATE_180))
    assert reading.reason == "a digit is a 3, 4 or 7 turned round: the display may be upside down"


def test_a_row_of_only_1s_is_flagged_they_may_be_edges():
    # parallel edges (a frame's, stripes of light, a grille) read as a row of sure 1s
    ones = read_display(display_photo("11.11"))
    assert (ones.text, ones.reason) == ("11.11", "only 1s: they may be edges in the photo, not digits")
    assert read_display(display_photo("11.17")).reason == ""


@pytest.mark.parametrize("text", ["38.01", "5613"])
@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_a_photo_taken_in_dim_light_is_read(text, polarity):
    # the segments stand 8 grey levels off their ground: a fixed least contrast of 10 found nothing
    dim = (display_photo(text, polarity=polarity) * 0.07 + 5).astype(np.uint8)
    reading = read_display(dim)
    assert (reading.text, reading.reason) == (text, "")


@pytest.mark.parametrize("text", ["38.01", "5613", "204.0"])
def test_a_close_up_cut_at_the_windows_dark_frame_is_not_flagged_as_a_finger(text):
    # the photo's edge cuts the cell beside the last digit to a strip of the window's dark frame
    close = _close_up(display_photo(text, digit_height=200, size=(1600, 900)), 0.35)
    close[:, -40:] = 40
    reading = read_display(close)
    assert (reading.text, reading.reason) == (text, "")


def test_two_parallel_bars_beside_the_display_are_not_a_second_display():
    # a row of 1s is what any two parallel bars read as (a frame's edges, stripes of light)
    photo = display_photo("54.07", size=(1800, 720)).copy()
    for x in (1500, 1570):
        photo[300:420, x : x + 16] = 35
    reading = read_display(photo)
    assert (reading.text, reading.reason, reading.rows) == ("54.07", "", 1)


def _printed(photo: np.ndarray, word: str, at: tuple[int, int], scale: float = 3.0) -> np.ndarray:
    photo = photo.copy()
    cv2.putText(photo, word, at, cv2.FONT_HERSHEY_SIMPLEX, scale, (20, 20, 20), int(4 * scale))
    return photo


@pytest.fixture(scope="module")
def words():
    return get_engine("rapidocr").recognise


@pytest.mark.parametrize(("text", "word"), [("7.45", "LITRES"), ("12", "TOTAL")])
def test_a_printed_word_beside_the_display_is_not_read_as_its_digits(text, word, words):
    photo = _printed(display_photo(text, digit_height=90), word, (400, 660))
    reading = read_display(photo, words=words)
    assert reading.text == text
    assert reading.reason == ""
    assert reading.box[1] + reading.box[3] < 560  # the display's row, above the word


@pytest.mark.parametrize("word", ["LITRES", "PRICE", "kWh"])
def test_a_photo_of_a_printed_word_alone_gives_no_reading(word, words):
    photo = _printed(np.full((720, 1280, 3), 225, np.uint8), word, (380, 420), scale=4.0)
    reading = read_display(photo, words=words)
    assert reading.value is None
    assert reading.reason == "printed text only: no display digits found"


def _row_reading(chars: str, confidences: list[float], left: int = 100) -> DisplayReading:
    digits = tuple(
        Digit(c, conf, (left + 60 * i, 50, 50, 90))
        for i, (c, conf) in enumerate(zip(chars, confidences, strict=True))
    )
    box = (left, 50, 60 * len(chars) - 10, 90)
    return DisplayReading(chars, float(chars), min(confidences), digits, box)


def test_a_row_read_sure_but_a_digit_short_of_another_reading_of_it_is_flagged():
    # One region reads 1460 with its 6 unsure, another 602 all sure: as many sure digits, and the
    # all-sure one is kept. The 1 before a row is an edge as often as a digit, but a clear 4 is
    # not: the reading that lost it must say so.
    from inspection.vision.sevenseg.reader import _SAME, _beyond, _Found, _keep, _rank

    for longer, lost in (("1460", True), ("1602", False)):
        places: list = []
        confidences = [1.0, 1.0, 0.1, 0.6] if longer == "1460" else [1.0, 0.1, 0.6, 1.0]
        left = 100 if longer == "1460" else 160  # both share the 0 with the 602
        _keep(places, _Found(_row_reading(longer, confidences, left=left), None, _SAME), _rank)
        _keep(places, _Found(_row_reading("602", [1.0, 1.0, 1.0], left=220), None, _SAME), _rank)
        assert places[0].reading.text == "602"
        assert _beyond(places[0].reading, places[0].seen) is lost


def _digit_lefts(text: str, photo_width: int = 1280, h: int = 120) -> list[int]:
    """Where display_photo draws each digit's left edge (its layout, default size)."""
    w, gap = int(0.55 * h), int(0.25 * h)
    n = len(text.replace(".", ""))
    x0 = int(0.5 * (photo_width - n * (w + gap))) - h // 2
    return [x0 + h // 2 + k * (w + gap) for k in range(n)]


@pytest.mark.parametrize(
    ("text", "polarity", "side", "share"),
    [
        ("42.75", "dark", "left", 0.5),
        ("42.75", "dark", "left", 0.7),
        ("608.3", "light", "left", 0.55),
        ("42.75", "dark", "right", 0.5),
        ("36.09", "light", "right", 0.6),
    ],
)
def test_a_digit_the_photos_edge_cuts_off_is_flagged(text, polarity, side, share):
    # The photo's edge runs through the first or last digit, leaving ``share`` of it: the rest
    # of the row was read as the whole reading, silently (60.00 as 0.00)
    photo = display_photo(text, polarity=polarity)
    lefts, w = _digit_lefts(text), int(0.55 * 120)
    if side == "left":
        photo = photo[:, lefts[0] + int((1 - share) * w) :]
    else:
        photo = photo[:, : lefts[-1] + int(share * w)]
    reading = read_display(photo)
    assert reading.value is None or reading.reason == "the photo's edge cuts a digit off: one may be missing"


@pytest.mark.parametrize(("text", "polarity"), [("42.75", "dark"), ("608.3", "light")])
def test_a_photo_cut_close_beside_the_digits_is_read(text, polarity):
    photo = display_photo(text, polarity=polarity)
    lefts, w = _digit_lefts(text), int(0.55 * 120)
    photo = photo[:, lefts[0] - 12 : lefts[-1] + w + 12]  # the window's frame cut, no digit
    reading = read_display(photo)
    assert (reading.text, reading.reason) == (text, "")


@pytest.mark.parametrize(
    ("text", "polarity", "char_height", "tilt", "turn", "blur", "seed"),
    [
        ("97.26", "dark", 90, 0.05, -2, 1.0, 1),
        ("97.26", "light", 90, 0.0, 0, 1.0, 3),
        # read as one digit from a column of dots: too few dots lay within a digit's height
        ("957", "dark", 70, 0.169, 5.3, 0.83, 721111731),
        ("776.7", "light", 75, 0.106, -0.5, 0.87, 42512527),
        # dots blurred together where the ink begins: they stand apart in its cores
        ("FLOW 483.84 L/MIN", "light", 85, 0.074, 4.4, 1.9, 582353128),
    ],
)
def test_a_dot_matrix_display_photographed_as_7_segment_gives_no_silent_number(
    text, polarity, char_height, tilt, turn, blur, seed
):
    # a display of the wrong kind: the segment reader made 97.26's dots into 37 (or 5), 957's
    # into 3 and 483.84's into 89, unflagged
    panel = text_display_photo(
        text, polarity=polarity, char_height=char_height, tilt=tilt, turn=turn, blur=blur, seed=seed
    )
    reading = read_display(panel)
    assert reading.value is None or reading.reason == DOTTED


@pytest.mark.parametrize(
    ("text", "polarity", "char_height", "tilt", "turn", "blur", "seed", "read"),
    [
        ("FLOW 51.88 L/MIN", "light", 59, 0.134, 2.0, 1.43, 633185861, "881"),
        ("-909.96", "dark", 97, 0.166, -5.9, 1.24, 446015213, "96"),
        ("-191.8", "light", 92, 0.08, -2.5, 1.13, 881785353, "8"),
    ],
)
def test_a_character_beside_the_digits_that_is_not_read_flags_the_reading(
    text, polarity, char_height, tilt, turn, blur, seed, read
):
    # a general digital display photographed as 7-segment: its 8s and 9s fit segment patterns,
    # its 5, 1 and sign beside them do not, and the rest was given unflagged as a shorter number
    panel = text_display_photo(
        text,
        kind="digital",
        polarity=polarity,
        char_height=char_height,
        tilt=tilt,
        turn=turn,
        blur=blur,
        seed=seed,
    )
    reading = read_display(panel)
    assert (reading.text, reading.reason) == (read, UNREAD)


@pytest.mark.parametrize("text", ["40.0", "82.06", "350"])
def test_a_digit_lost_in_a_dark_window_beside_the_row_is_seen(text):
    """A dark LCD window in a light bezel stands out whole from a wide neighbourhood, digits and
    all: a digit the row lost in its shade (a noisy photo read 40.01 as 0.01) is found among
    the strokes that stand out within half a digit's height."""
    gray = cv2.cvtColor(display_photo(text, slant=0.1), cv2.COLOR_BGR2GRAY)
    gray = (gray * np.where(cv2.blur(gray, (9, 9)) < 190, 0.3, 1.0)).astype(np.uint8)
    whole = read_display(gray)
    assert (whole.text, whole.reason) == (text, "")  # the window's edges are no digit
    assert _unread_beside(gray, _without_first_digit(whole)).reason == UNREAD


def _without_first_digit(whole: DisplayReading) -> DisplayReading:
    """``whole`` as a row that lost its first digit reads: the rest, sure, boxed alone."""
    rest = whole.digits[1:]
    x0, y0 = min(d.box[0] for d in rest), min(d.box[1] for d in rest)
    x1, y1 = max(d.box[0] + d.box[2] for d in rest), max(d.box[1] + d.box[3] for d in rest)
    text = whole.text[1:].lstrip(".")
    return DisplayReading(text, float(text), 1.0, rest, (x0, y0, x1 - x0, y1 - y0), whole.polarity)


def test_a_digit_lost_in_a_dark_window_is_seen_with_bold_print_below_it():
    """Bold print under the window (a LITRES label) stands out far more than the dimmed LCD's
    digits: the strokes' level is set in the digits' band, or the print alone would be ink (a
    photo turned round read 36.00 as 0.09, its turned 3 beside the row unseen)."""
    gray = cv2.cvtColor(display_photo("350", slant=0.1), cv2.COLOR_BGR2GRAY)
    gray = (gray * np.where(cv2.blur(gray, (9, 9)) < 190, 0.3, 1.0)).astype(np.uint8)
    cv2.putText(gray, "LITRES", (470, 520), cv2.FONT_HERSHEY_DUPLEX, 2.0, 0, 9)
    whole = read_display(gray)
    assert (whole.text, whole.reason) == ("350", "")
    assert _unread_beside(gray, _without_first_digit(whole)).reason == UNREAD


def test_a_digit_joined_to_an_edge_beside_the_row_is_seen_a_step_after_it(monkeypatch):
    """A digit touching a dark upright edge (a window's frame, a shadow's border) is one piece
    with it, too tall for a character: a row that lost it (the dataset's 119.02, darkened, read
    119.0 unflagged) is flagged by the cell one step, the digits' own, after its last digit."""
    from inspection.vision.sevenseg import reader
    from inspection.vision.sevenseg.decode import _union as union

    gray = cv2.cvtColor(display_photo("350", slant=0.1), cv2.COLOR_BGR2GRAY)
    x, y, w, h = read_display(gray).digits[-1].box
    gray[y - 40 : y + h + 40, x + w - 4 : x + w + 8] = 35
    whole = read_display(gray)
    assert whole.text == "350"
    first_two = DisplayReading(
        "35", 35.0, 1.0, whole.digits[:2], union([d.box for d in whole.digits[:2]]), whole.polarity
    )
    assert _unread_beside(gray, first_two).reason == UNREAD
    monkeypatch.setattr(reader, "_digit_in_step", lambda *args: False)
    # the digit and the edge fill the cell after the row more than a digit does its own
    assert _unread_beside(gray, first_two).reason == reader.FILLED_AFTER
    monkeypatch.setattr(reader, "_filled_after", lambda *args: False)
    assert _unread_beside(gray, first_two).reason == ""  # no piece of a character's size is there


def _faded(gray: np.ndarray, box, share: float, like: np.ndarray | None = None) -> np.ndarray:
    """``gray`` with the digit cell at ``box`` kept at ``share`` of its contrast with the window
    (of ``like``'s pixels there, where given: another digit's)."""
    x, y, w, h = box
    out = gray.astype(np.float32)
    window = float(np.median(out[y : y + h, x + w + 5 : x + w + 20]))
    region = (slice(y - 5, y + h + 5), slice(x - 8, x + w + 8))
    source = out if like is None else like.astype(np.float32)
    out[region] = window + (source[region] - window) * share
    return np.clip(out, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    "text, polarity",
    [
        ("119.02", "dark"),
        ("74.53", "light"),
        ("82.06", "dark"),
        ("608", "dark"),
        ("61.28", "light"),
        ("279", "dark"),
        ("8.30", "light"),
        ("9.78", "dark"),
        ("7.96", "light"),
        ("4.75", "dark"),
        ("34.8", "light"),
        ("477", "light"),
    ],
)
def test_a_faded_last_digit_lost_to_the_row_is_seen_a_step_after_it(text, polarity):
    """A last digit in shade, at a third of the others' contrast, falls below the strokes' level
    and the row reads one digit short (119.02 as 119.0), unflagged until it was looked for in the
    cell one step after the row, by what stands out within that cell: an 8 too (608 read 60),
    which before the row is a blank digit's ghost. The step is the digits' cells' (``_cells``),
    not their boxes': a 7's, 3's or 4's box begins late, and 279 read 27, 8.30 8.3, unflagged."""
    gray = cv2.cvtColor(display_photo(text, polarity=polarity, slant=0.1), cv2.COLOR_BGR2GRAY)
    faded = _faded(gray, read_display(gray).digits[-1].box, 0.3)
    reading = read_display(faded)
    assert (reading.text, reading.reason) == (text[:-1].rstrip("."), UNREAD)


@pytest.mark.parametrize(
    "text, polarity, turn, options",
    [
        ("119.02", "dark", 15, {}),
        ("74.53", "light", -15, {}),
        ("82.06", "dark", 10, {}),
        ("3624", "light", -7, {"digit_height": 77, "slant": 0.12, "blur": 0.6, "seed": 1}),
        ("3291", "dark", -2, {}),  # a faded 1, its tapered ends lost: down 0.69 of the cell
        ("5257.1", "light", 7, {"digit_height": 93}),
    ],
)
def test_a_faded_last_digit_of_a_row_at_a_slant_is_seen_a_step_after_it(text, polarity, turn, options):
    """A phone held off level: the row's box in the photo is taller than its digits (at 15
    degrees about twice), and the checks around the row, which took that box for a digit's
    height, saw no digit after 119.0. They look in the photo turned level along the row, by the
    slant of the edges around it: the digits' centres gave 3624's turn 1.5 degrees off. A faded
    last 1 runs down less of the cell than a clear one (``FADED_ALONG``)."""
    options = {"slant": 0.1, **options}
    gray = cv2.cvtColor(display_photo(text, polarity=polarity, **options), cv2.COLOR_BGR2GRAY)
    whole = read_display(_tilted(gray, turn))
    assert (whole.text, whole.reason) == (text, "")  # the window's edges, turned, are no digit
    reading = read_display(_tilted(_faded(gray, read_display(gray).digits[-1].box, 0.3), turn))
    assert (reading.text, reading.reason) == (text[:-1].rstrip("."), UNREAD)


def test_a_row_at_a_slant_is_looked_around_level_and_a_level_one_as_it_is():
    """``_levelled`` gives the row turned level, each digit's box a digit's size again (a row of
    two digits too); a level row stays as it is; and a photo that ends just after the row ends
    the turned window there, so a cell after the row is cut off as it is in the photo."""
    level = read_display(display_photo("350", slant=0.1))
    gray = cv2.cvtColor(display_photo("350", slant=0.1), cv2.COLOR_BGR2GRAY)
    assert _levelled(gray, level)[1] is level
    turned = _tilted(gray, 15)
    whole = read_display(turned)
    assert whole.box[3] > 1.4 * level.box[3]  # the turned row's box in the photo
    assert _levelled(turned, replace(whole, box=None))[1].box is None  # no row to look around
    window, row = _levelled(turned, whole)
    assert abs(row.box[3] / level.box[3] - 1) < 0.1
    assert np.ptp([d.box[1] for d in row.digits]) < 0.05 * level.box[3]
    assert [d.char for d in row.digits] == ["3", "5", "0"]
    # the row that lost its 3: beside it, in the photo as it stands, no character of the tall box's size
    rest = _without_first_digit(whole)
    assert _unread_beside(turned, rest).reason == ""
    assert _unread_beside(*_levelled(turned, rest)).reason == UNREAD
    # the photo cut just after the row's 0: so is the window
    x, _, w, _ = whole.digits[-1].box
    window, row = _levelled(turned[:, : x + w + 5], whole)
    x, _, w, h = row.digits[-1].box
    assert window.shape[1] - (x + w) < 0.3 * h


def _ghosted(text: str, polarity: str, share: float, **options) -> tuple[np.ndarray, np.ndarray]:
    """An LCD showing ``text`` whose unlit segments show at ``share`` of the lit ones' contrast,
    and the same display with all its segments lit. Grey."""
    eights = "".join("8" if c.isdigit() else c for c in text)
    lit, every = (
        cv2.cvtColor(display_photo(t, polarity=polarity, **options), cv2.COLOR_BGR2GRAY).astype(np.float32)
        for t in (text, eights)
    )
    return np.clip(lit + share * (every - lit), 0, 255).astype(np.uint8), every.astype(np.uint8)


@pytest.mark.parametrize("polarity", ["dark", "light"])
@pytest.mark.parametrize("share", [0.15, 0.35])
@pytest.mark.parametrize("text", ["18.00", "14.7", "134"])
def test_a_blank_leading_digits_ghost_8_is_no_digit_lost(polarity, share, text):
    """An LCD's blank digit shows its unlit segments faintly, all seven, as faint as the row's
    own unlit segments: a ghost 8 before the row is not a digit lost, whatever the first digit
    (a 4's or a 3's cell is found from its box's end)."""
    ghosts, eights = _ghosted(text, polarity, share, slant=0.1, seed=3)
    x, y, w, h = read_display(ghosts).digits[0].box  # the 1, blanked: its cell shows a ghost 8
    window = float(np.median(ghosts[y : y + h, x + w + 5 : x + w + 20]))
    region = (slice(y - 5, y + h + 5), slice(x - h, x + w + 8))
    ghosts[region] = np.clip(window + share * (eights[region].astype(np.float32) - window), 0, 255)
    reading = read_display(ghosts)
    assert (reading.text, reading.reason) == (text[1:], "")


@pytest.mark.parametrize("text", ["892", "8.20", "812", "86.5", "84.394", "834", "87.2", "81.4"])
@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_a_faded_first_8_is_a_digit_lost_where_the_rows_unlit_segments_show_no_ghosts(text, polarity):
    """A first 8 at a third of the others' contrast, where the row's own unlit segments do not
    show, is no blank digit's ghost: 892 read as 92 went unflagged. So did 84.394 as 4.394, 834
    as 34: stepped from the first box, a 4's or a 3's, the cell before the row lay off the 8."""
    gray = cv2.cvtColor(display_photo(text, polarity=polarity, slant=0.1), cv2.COLOR_BGR2GRAY)
    reading = read_display(_faded(gray, read_display(gray).digits[0].box, 0.3))
    assert (reading.text, reading.reason) == (text[1:].lstrip("."), UNREAD)


@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_an_lcds_ghosts_read_as_lit_leave_8s_flagged_and_real_8s_are_not(polarity):
    """Ghosts half as strong as the lit segments read 27 as 88: the faintest segment stands out
    half as much as the strongest, and the reading is flagged. A display showing 888 is not."""
    reading = read_display(_ghosted("27", polarity, 0.5, slant=0.1)[0])
    assert (reading.text, reading.reason) == ("88", EIGHTS)
    assert read_display(_ghosted("27", polarity, 0.3, slant=0.1)[0]).text == "27"
    eights = read_display(display_photo("888", polarity=polarity, slant=0.1))
    assert (eights.text, eights.reason) == ("888", "")


def test_a_step_cell_lit_only_along_its_top_holds_no_digit():
    """A window's edge along the digits' top lights a step cell's a (and b) alone: no digit,
    though one segment from a 7. A 2 there is one, and so is a 1 the digits' height; an upright
    edge crossing the row, lighting the same b and c, is not. After the row, the edge is a line
    and b alone half a 1 (``_half_one``): the reading is flagged."""
    from inspection.vision.sevenseg.reader import _digit_in_step
    from inspection.vision.sevenseg.strokes import _contrast

    h, top, spans = 64.0, 32.0, [(96.0, 140.0), (150.0, 194.0)]  # the next cell: 204 to 248

    def step(*bars) -> bool:  # an LCD's dark strokes, and the mask of them
        strokes = np.zeros((128, 400), np.uint8)
        for x0, y0, x1, y1 in bars:
            strokes[y0:y1, x0:x1] = 255
        crop = np.where(strokes > 0, 40, 150).astype(np.uint8)
        return _digit_in_step(crop, _contrast(crop, "dark", int(0.5 * h) | 1), strokes, h, top, spans)

    a, b, g, e, d = (
        (204, 32, 248, 40),
        (240, 32, 248, 64),
        (204, 60, 248, 68),
        (204, 64, 212, 96),
        (204, 88, 248, 96),
    )
    c = (240, 64, 248, 96)
    assert step(a, b, g, e, d)  # a 2
    assert not step((0, 32, 150, 40), (78, 32, 86, 64))  # an edge along the top, before the row
    assert step((150, 32, 300, 40), b)  # after the row, b under it is half a 1 (a reflection over c?)
    assert step(b, c)  # a 1
    assert step((150, 30, 300, 38), b, c)  # a 1 under a window's edge along the top
    assert not step((240, 10, 248, 118))  # an upright edge through the cell


@pytest.mark.parametrize("row_height, kept", [(72, True), (24, False)])
def test_the_second_look_reads_the_row_it_was_given_not_a_smaller_one_in_its_crop(row_height, kept):
    # A place read unsure (72, its 2 unsure: a ghost 8 under glare) is read again from the full
    # photo around its row. Small digits in that crop (here a display a third as high; in the
    # rendered case, a speck at glare's edge read as a 3) are not the row read again: the unsure
    # reading stands, and goes to review. A row of their own height is read as before.
    from inspection.vision.sevenseg.reader import _SAME, _Found, _second_look

    gray = cv2.cvtColor(display_photo("35", digit_height=24, slant=0.1, size=(640, 360)), cv2.COLOR_BGR2GRAY)
    left = _digit_lefts("35", photo_width=640, h=24)[0]
    box = (left, 180 - row_height // 2, 2 * row_height, row_height)
    digits = (Digit("7", 1.0, box), Digit("2", 0.0, box))
    unsure = DisplayReading("72", 72.0, 0.0, digits, box, polarity="dark", reason="uncertain digit")
    again = _second_look(gray, _Found(unsure, box, _SAME), ("dark", "light"), DisplayConfig())
    assert again.text == ("72" if kept else "35")


@pytest.mark.parametrize("point", [False, True])
def test_a_bottom_bar_leaning_past_its_digit_is_not_a_decimal_point(point):
    # 737, small and blurred: the 3 leans a little more than the row, so its bottom bar, which
    # has no e standing on it, ends half a stroke past its top and middle bars, in the gap before
    # it. That is still the bar's end, not a point joined to it (read 7.37, unflagged); a point
    # joined to the bar stands out past it by its own width, and is one.
    from inspection.vision.sevenseg.cells import _point_in_gaps

    stroke, top, bottom, width = 6, 8, 46, 22
    lefts = (20, 54, 88)
    mask = np.zeros((56, 130), np.uint8)
    for left in lefts:  # each digit's a, b and c
        cv2.rectangle(mask, (left, top), (left + width - 1, top + stroke - 1), 255, -1)
        cv2.rectangle(mask, (left + width - stroke, top), (left + width - 1, bottom - 1), 255, -1)
    three = lefts[1]
    cv2.rectangle(mask, (three + 1, 24), (three + width - 1, 24 + stroke - 1), 255, -1)  # g
    cv2.rectangle(mask, (three - stroke // 2, bottom - stroke), (three + width - 1, bottom - 1), 255, -1)  # d
    if point:
        cv2.circle(mask, (three - 6, bottom - 4), 4, 255, -1)
    cells = [(left, width) for left in lefts]
    assert _point_in_gaps(mask, cells, top, bottom, float(stroke))[0] == (0 if point else None)


def test_digits_not_clearly_made_of_segments_are_flagged():
    # A photo of a magnetic tile's surface read 48: its "digits" were streaks and specks that fill
    # parts of the segments' zones (these lit shares are theirs). A display's segments are lit
    # wholly or not at all, even blurred and shaded.
    from inspection.vision.sevenseg.reader import _fuzzy

    def reading(*shares):
        digits = tuple(Digit("8", 1.0, (0, 0, 10, 20), s) for s in shares)
        return DisplayReading("48", 48.0, 1.0, digits, (0, 0, 20, 20))

    assert _fuzzy(reading((0.0, 1.0, 0.8, 0.0, 0.0, 0.8, 0.4), (0.6, 1.0, 1.0, 0.6, 0.8, 1.0, 0.6)))
    assert not _fuzzy(reading((0.0, 1.0, 1.0, 0.05, 0.0, 1.0, 0.95), (1.0, 0.9, 1.0, 1.0, 0.92, 1.0, 1.0)))
    for text, polarity in (("48", "dark"), ("17.5", "light"), ("302.6", "dark")):
        photo = read_display(display_photo(text, polarity=polarity, blur=1.6))
        assert (photo.text, photo.reason, _fuzzy(photo)) == (text, "", False)


def test_one_digit_not_clearly_made_of_segments_is_flagged():
    # A fuel pump's 225 with sensor noise read 2256: a "6" made of noise after the row, its
    # segments half lit (these are its shares), the others clean; the reading's average passes.
    from inspection.vision.sevenseg.reader import _fuzzy, _fuzzy_digit

    clean = [(1.0, 1.0, 0.0, 0.89, 1.0, 0.0, 1.0), (1.0, 1.0, 0.0, 0.96, 1.0, 0.0, 1.0)]
    clean.append((1.0, 0.0, 0.92, 0.96, 0.0, 1.0, 1.0))
    noise = (0.93, 0.32, 0.54, 1.0, 0.54, 1.0, 0.63)
    digits = tuple(Digit(c, 1.0, (0, 0, 10, 20), s) for c, s in zip("2256", [*clean, noise], strict=True))
    misread = DisplayReading("2256", 2256.0, 0.545, digits, (0, 0, 40, 20))
    assert _fuzzy_digit(misread) and not _fuzzy(misread)
    assert not _fuzzy_digit(replace(misread, digits=digits[:3]))
    for text, polarity in (("225", "dark"), ("17.5", "light")):
        photo = read_display(display_photo(text, polarity=polarity, blur=1.6))
        assert (photo.text, photo.reason, _fuzzy_digit(photo)) == (text, "", False)


def test_a_bar_lit_along_one_half_only_may_be_specks():
    # a fuel pump's 1 with sensor noise read as a 7: specks over the cell's top left lit 73 % of
    # the top bar's zone, on its left half alone; a 7's top bar is lit across
    from inspection.vision.sevenseg.decode import _decode, _half_bars, _segments

    h, w, t = 100, 55, 10
    one = np.zeros((h, w), np.uint8)
    one[3:48, w - t - 2 : w - 2] = 255  # b
    one[52:97, w - t - 2 : w - 2] = 255  # c
    specked = one.copy()
    rng = np.random.default_rng(0)
    specked[4:16, 2:28] = (rng.random((12, 26)) < 0.8) * 255  # specks on the left half only
    seven = one.copy()
    seven[0:t, 4 : w - 2] = 255  # a, across
    for mask, read, others in ((specked, "7", "1"), (seven, "7", ""), (one, "1", "")):
        shares = _segments(mask, 0, 0, w, h)
        assert _decode(shares)[0] == read
        assert _half_bars(mask, shares, read, (0, 0, w, h)) == others


def test_a_digit_read_only_as_some_displays_draw_it_with_a_segment_half_lit_is_flagged(monkeypatch):
    # A pump's 120.00 seen from one side read 720.00, unflagged: specks over the 1's top left lit
    # a and f two thirds, and a 7 with f fits. Its 40.0 from further to the side read 90.0: a
    # reflection's edge over the 4's top, and a 9 without d fits. These are their shares.
    from inspection.vision.sevenseg.decode import _odd_drawing
    from inspection.vision.sevenseg.reader import ODD_DRAWING

    assert _odd_drawing((0.64, 1.0, 0.94, 0.0, 0.0, 0.66, 0.0), "7") == "1"
    assert _odd_drawing((0.79, 1.0, 1.0, 0.0, 0.0, 0.94, 1.0), "9") == "4"
    # drawn so, clearly: the display's own drawing; a common 7, its a half lit, is none of them
    assert _odd_drawing((1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0), "7") == ""
    assert _odd_drawing((1.0, 0.98, 1.0, 0.02, 0.0, 1.0, 1.0), "9") == ""
    assert _odd_drawing((0.02, 0.0, 1.0, 1.0, 1.0, 0.98, 1.0), "6") == ""
    assert _odd_drawing((0.64, 1.0, 0.94, 0.0, 0.0, 0.0, 0.0), "7") == ""
    # a 1 rendered with the left part of a and the top part of f dark beside it (60 %): read so,
    # and flagged
    for seed in range(3):
        reading = read_display(_with_half_a_and_f(display_photo("120.00", slant=0.0, seed=seed)))
        assert (reading.text, reading.reason) == ("720.00", f"{ODD_DRAWING}: 7 may be 1")
    # a display that draws its 6, 7 and 9 so reads them right, unflagged
    monkeypatch.setattr(
        sevenseg, "PATTERNS", {**sevenseg.PATTERNS, "6": "0011111", "7": "1110010", "9": "1110011"}
    )
    for text, polarity in (("976.7", "dark"), ("69.7", "light"), ("7967", "dark")):
        reading = read_display(display_photo(text, polarity=polarity, digit_height=60, blur=1.6))
        assert (reading.text, reading.reason) == (text, "")


def _with_half_a_and_f(photo: np.ndarray, share: float = 0.6) -> np.ndarray:
    """``display_photo``'s LCD (digits 120 px high, upright, five of them) with the first digit's a
    drawn along its left ``share`` and its f along its top ``share``, a little fainter."""
    from inspection.demo import _segment

    h, left, top = 120, 400, 300  # where display_photo puts the first of five such digits
    w, t = int(0.55 * h), int(0.13 * h)
    drawn = np.zeros(photo.shape[:2], np.uint8)
    for name in "af":
        cv2.fillPoly(drawn, [_segment(name, left, top, w, h, t, 0.0)], 255)
    drawn[:, left + int(share * w) :] = 0
    drawn[top + int(share * h / 2) :] = 0
    ink = 0.8 * cv2.GaussianBlur(drawn.astype(np.float32), (0, 0), 1.0)[..., None] / 255
    return (photo * (1 - ink) + 35 * ink).astype(np.uint8)


@pytest.mark.parametrize(("text", "polarity"), [("10.81", "dark"), ("7.1", "light"), ("231", "dark")])
def test_a_1_whose_bar_stands_on_the_photos_right_edge_is_flagged(text, polarity):
    # the photo's edge, where a row runs up to it, is one upright bar as a 1 is (blurred, or in
    # the photo levelled, it read 1010.8 as 1010.81): a 1 there cannot be told from it
    from inspection.vision.sevenseg.reader import ONE_ON_EDGE

    photo = display_photo(text, polarity=polarity)
    x, _, w, _ = read_display(photo).digits[-1].box
    on_edge = read_display(photo[:, : x + w].copy())
    assert (on_edge.text, on_edge.reason) == (text, ONE_ON_EDGE)
    # with room past the 1, as a display's window leaves, nothing is flagged
    room = read_display(photo[:, : x + int(1.3 * w)].copy())
    assert (room.text, room.reason) == (text, "")


def test_a_1_before_the_row_is_on_the_photos_edge_only_where_its_bar_is():
    from inspection.vision.sevenseg.reader import _one_on_photo_edge

    gray = np.zeros((100, 400), np.uint8)

    def row(first: int, char: str = "1") -> DisplayReading:
        digits = (Digit(char, 1.0, (first, 10, 50, 80)), Digit("8", 1.0, (first + 60, 10, 50, 80)))
        return DisplayReading(char + "8", float(char + "8"), 1.0, digits)

    assert _one_on_photo_edge(gray, row(-35))  # its bar, the cell's right part, reaches the edge
    assert not _one_on_photo_edge(gray, row(-20))  # the blank left of its cell cut off, the bar whole
    assert not _one_on_photo_edge(gray, row(-35, "7"))  # a 7 is more than one bar


def test_a_1_after_the_row_is_seen_though_the_windows_edge_runs_along_its_foot():
    # 143.01 with its 1 beside the window's shaded lower edge: the edge lights the step cell's d
    # zone, so the cell was no lone 1 and 143.0 passed; the edge runs on across the gap, a d does not
    from inspection.vision.sevenseg.reader import _digit_in_step

    strokes = np.zeros((128, 400), np.uint8)
    strokes[34:94, 258:266] = 255  # the 1's bar, in the cell one step after the last digit
    spans = [(50.0, 90.0), (110.0, 150.0), (170.0, 210.0)]
    edge = strokes.copy()
    edge[89:95, 200:300] = 255  # the window's edge, along the digits' foot and past the 1
    assert _digit_in_step(np.where(edge > 0, 40, 150), edge, edge, 64.0, 32.0, spans)
    foot = strokes.copy()
    foot[89:95, 242:268] = 255  # a bar within the cell is its own: a 1 with a foot is no 1
    assert not _digit_in_step(np.where(foot > 0, 40, 150), foot, foot, 64.0, 32.0, spans)


@pytest.mark.parametrize("bar", [118, 358])  # in the cell one step before the row, or after it
@pytest.mark.parametrize("lines", [True, False])
def test_a_1_beside_the_row_is_seen_though_lines_along_the_rows_top_and_foot_cross_its_ends(bar, lines):
    # 175.00 seen from the side read 75.00 unflagged: its first 1 stood in a backlit patch of the
    # window whose edges, along the digits' top and foot, cross the 1's ends and run on across
    # the gap to the row. Ink past both ends of an upright bar is a frame's edge running on, not
    # a 1; a line across that runs on over the gap is no part of the bar.
    from inspection.vision.sevenseg.reader import _digit_in_step

    spans = [(150.0, 190.0), (210.0, 250.0), (270.0, 310.0)]  # the cells one step off: 90 and 330
    strokes = np.zeros((128, 400), np.uint8)
    if lines:
        strokes[32:96, bar : bar + 8] = 255  # the 1's bar
        across = slice(bar - 20, 160) if bar < 150 else slice(300, bar + 20)  # from past the bar into the row
        strokes[25:32, across] = strokes[96:103, across] = 255
    else:
        strokes[10:120, bar : bar + 8] = 255  # an upright edge alone, on past the digits' top and foot
    crop = np.where(strokes > 0, 40, 150).astype(np.uint8)
    assert _digit_in_step(crop, strokes, strokes, 64.0, 32.0, spans) is lines


@pytest.mark.parametrize(
    "bar, beyond, flagged",
    [
        ((64, 96), 150, True),  # a 1's c, its b lost under a reflection; more window beyond it
        ((32, 96), 150, True),  # a whole 1, faded, beside more window
        ((64, 96), 215, False),  # the window's frame: the light housing lies beyond the bar
        ((32, 64), 150, True),  # a 1's b, its c lost
        ((32, 96), 215, False),  # a frame as tall as the digits
    ],
)
def test_a_last_1_half_lost_or_faded_is_looked_for_but_the_windows_frame_is_no_1(bar, beyond, flagged):
    # 255.01 and 225.01 read 255.0 and 225.0 unflagged: their last 1 lay under a reflection,
    # half of it or all of it faded. A window tight round its digits ends in a bar just as
    # upright, with the housing, lighter than the window's ground, beyond it.
    from inspection.vision.sevenseg.reader import _digit_in_step
    from inspection.vision.sevenseg.strokes import _contrast

    h, top, spans = 64.0, 32.0, [(96.0, 140.0), (150.0, 194.0)]  # two 1s; the next cell: 204 to 248
    crop = np.full((128, 400), 150, np.uint8)  # an LCD's grey window
    crop[32:96, 132:140] = crop[32:96, 186:194] = 40
    crop[:, 250:] = beyond
    crop[bar[0] : bar[1], 240:248] = 100  # faded: under a reflection, or the frame's shade
    hat = _contrast(crop, "dark", int(0.5 * h) | 1)
    strokes = np.where(crop == 40, 255, 0).astype(np.uint8)  # the faded bar is below the strokes' level
    assert _digit_in_step(crop, hat, strokes, h, top, spans) is flagged


@pytest.mark.parametrize(
    ("text", "height", "window"),
    [("991.1", 100, 1.12), ("94.9", 120, 1.14), ("49.4", 100, 1.16), ("719", 140, 1.14)],
)
def test_a_window_tight_round_its_digits_does_not_turn_a_9_into_a_4(text, height, window):
    # A window whose top and bottom edges lie less than a stroke from the digits: straightened,
    # a 9's top and bottom bars run dark right up to the window's edge, and the contrast
    # against the surroundings, measured a stroke or so each way, sees none beyond it. The 9
    # read as a 4, unflagged. The window's reading is flagged (its bars are dark at the edge)
    # and read again with room round the row.
    from inspection.vision.sevenseg.places import _windows
    from inspection.vision.sevenseg.row import _read_polarity

    decimals = len(text.split(".")[1]) if "." in text else 0
    photo = display_photo(text, digit_height=height, window_height=window, seed=3)
    config = DisplayConfig(decimals=decimals)
    gray = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
    scale = config.work_px / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    straightened, _, _ = _windows(small)[0]
    (row,) = _read_polarity(straightened, "dark", config, max(15, straightened.shape[0] * 2 // 9) | 1)
    assert row.text != text and "a bar by it may be lost: 4 may be 9" in row.reason
    reading = read_display(photo, config)
    assert (reading.text, reading.reason) == (text, "")


def test_a_digit_after_a_row_seen_at_an_angle_is_looked_for_where_the_growing_step_puts_it():
    """Seen from its side, a row's step grows towards its near end: 213.00 read as 21.3, its 0
    after the point a sixth of a cell past the median step's cell, unflagged. The cell after the
    row is also looked for where the end's own step, grown as it grows, puts it; a step that
    shrinks towards an end (a point's gap) moves no cell in, onto the row's own last digit."""
    from inspection.vision.sevenseg.reader import _digit_in_step, _steps_beside
    from inspection.vision.sevenseg.strokes import _contrast

    h, top, spans = 64.0, 32.0, [(50.0, 90.0), (100.0, 140.0), (156.0, 196.0)]  # steps 50, 56
    x = 156 + round(56 * 56 / 50)  # the 0 after them: 219, where the median step (53) puts 209
    strokes = np.zeros((128, 400), np.uint8)
    for x0, y0, x1, y1 in ((0, 0, 40, 8), (0, 0, 8, 64), (32, 0, 40, 64), (0, 56, 40, 64)):
        strokes[32 + y0 : 32 + y1, x + x0 : x + x1] = 255
    crop = np.where(strokes > 0, 40, 150).astype(np.uint8)
    assert _digit_in_step(crop, _contrast(crop, "dark", int(0.5 * h) | 1), strokes, h, top, spans)
    assert _steps_beside(spans, 53.0, 40) == [-3.0, 209.0, 218.72]
    # a step that shrinks towards the end: only the median step's cell after the row
    shrinking = [(50.0, 90.0), (106.0, 146.0), (156.0, 196.0)]  # steps 56, 50
    assert _steps_beside(shrinking, 53.0, 40) == [-3.0, 209.0, 50.0 - 56 * 56 / 50]
    assert _steps_beside(spans[:2], 50.0, 40) == [0.0, 150.0]  # two digits: no step to carry on


@pytest.mark.parametrize("top, read", [(0.33, HALF_FIRST_ONE), (0.02, "")])
def test_a_first_1_lit_along_half_its_height_may_be_an_edge(top, read):
    """An upright bar before the row from a third of the digits' height down to their foot (a
    window's shade, a reflection's border) reads as a 1 with its b unlit: tilted 15 degrees,
    223.01 read 1223.01 so, unflagged. A 1 lit its whole height is read as it is."""
    gray = cv2.cvtColor(display_photo("456", polarity="dark", slant=0.0), cv2.COLOR_BGR2GRAY)
    first, second = (d.box for d in read_display(gray).digits[:2])
    x, y, w, h = first
    bar = x - (second[0] - x) + int(0.82 * w)
    gray[y + int(top * h) : y + h - 2, bar : bar + max(3, w // 7)] = 40
    reading = read_display(gray)
    assert (reading.text, reading.reason) == ("1456", read)


@pytest.mark.parametrize("text", ["456", "7.25"])
@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_a_place_after_the_row_filled_by_a_reflection_may_hide_a_digit(text, polarity):
    """A reflection's stripes over the cell after the last digit (230.00 under one read 230.6 at
    640 px, and 230.0 as it is, unflagged) fill it far more than a digit fills its own: a digit
    may be hidden there. Before the row, a window's shaded end fills a cell so: not judged."""
    from inspection.vision.sevenseg.reader import FILLED_AFTER

    gray = cv2.cvtColor(display_photo(text, polarity=polarity, slant=0.1), cv2.COLOR_BGR2GRAY)
    digits = read_display(gray).digits
    (x, y, w, h), step = digits[-1].box, digits[-1].box[0] - digits[-2].box[0]

    def striped(left: int) -> np.ndarray:
        out, period = gray.copy(), h // 5
        block = out[y : y + h, left - 4 : left + w + 4]
        for k in range(period * 3 // 5):
            block[k::period] = 40 if polarity == "dark" else 230
        return out

    after = read_display(striped(x + step))
    assert (after.text, after.reason) == (text, FILLED_AFTER)
    assert read_display(striped(digits[0].box[0] - step)).reason != FILLED_AFTER
