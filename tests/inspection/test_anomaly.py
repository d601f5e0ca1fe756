"""The OK-only surface model: learns from good surfaces alone, flags a scratch or a pit with a
box on it and a heat map, keeps good surfaces below its threshold, survives a save and load."""

import cv2
import numpy as np
import pytest

from inspection.vision.anomaly import AnomalyModelError, SurfaceModel


def surface(seed: int, shape=(240, 200)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    streaks = rng.normal(0, 6, (1, shape[1])).repeat(shape[0], 0)  # machining marks along the part
    light = np.linspace(-10, 10, shape[0])[:, None]
    image = 110 + streaks + light + rng.normal(0, 3, shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def scratched(seed: int) -> np.ndarray:
    image = surface(seed)
    cv2.line(image, (40, 150), (120, 190), 50, 3)
    return image


def pitted(seed: int) -> np.ndarray:
    image = surface(seed)
    cv2.circle(image, (140, 70), 6, 40, -1)
    return image


@pytest.fixture(scope="module")
def model():
    return SurfaceModel.fit([surface(seed) for seed in range(6)])


def test_good_surfaces_pass_and_defects_are_flagged(model):
    good = [model.score(surface(seed)) for seed in range(10, 16)]
    bad = [model.score(scratched(20)), model.score(pitted(21))]
    assert not any(a.anomalous for a in good)
    assert all(a.anomalous for a in bad)
    assert min(a.score for a in bad) > max(a.score for a in good)


def test_the_box_and_heat_map_point_at_the_defect(model):
    found = model.score(pitted(30))
    x1, y1, x2, y2 = found.box
    assert x1 <= 140 <= x2 and y1 <= 70 <= y2
    assert found.heat.shape == (240, 200)
    assert found.heat[70, 140] > 1.0 > found.heat[200, 20]
    png = cv2.imdecode(np.frombuffer(found.heat_png(), np.uint8), cv2.IMREAD_COLOR)
    assert png.shape == (240, 200, 3)
    assert found.as_json()["anomalous"] is True


def test_save_and_load_give_the_same_scores(model):
    again = SurfaceModel.load(model.save())
    image = scratched(40)
    assert again.score(image).score == pytest.approx(model.score(image).score)
    assert again.threshold == model.threshold


def test_bad_input_is_refused_clearly():
    with pytest.raises(AnomalyModelError, match="at least 3"):
        SurfaceModel.fit([surface(1), surface(2)])
    with pytest.raises(AnomalyModelError, match="not a TraceLens surface model"):
        SurfaceModel.load(b"not a model")
    with pytest.raises(AnomalyModelError, match="too small"):
        SurfaceModel.fit([surface(s, (20, 20)) for s in range(3)])


def edged(seed: int, pit: bool = False) -> np.ndarray:
    """A surface whose lower edge (the end of the part) is ragged differently on every part."""
    rng = np.random.default_rng(seed)
    image = surface(seed)
    edge = 215 + np.cumsum(rng.normal(0, 2.5, image.shape[1])).clip(-20, 20).astype(int)
    for x, y in enumerate(edge):
        image[y:, x] = rng.integers(15, 40)
        image[y - 2 : y, x] = 200  # the chamfer catches the light
    if pit:
        cv2.circle(image, (100, 100), 4, 60, -1)
    return image


def test_a_place_where_good_parts_vary_does_not_hide_a_small_defect_elsewhere():
    model = SurfaceModel.fit([edged(seed) for seed in range(8)])
    assert model.expected.shape == (16, 16)
    assert model.expected[-1].mean() > model.expected[6].mean()  # the ragged edge varies most
    good = [model.score(edged(seed)) for seed in range(50, 56)]
    pit = model.score(edged(60, pit=True))
    assert not any(a.anomalous for a in good)
    assert pit.anomalous and pit.score > max(a.score for a in good)
    x1, y1, x2, y2 = pit.box
    assert x1 <= 100 <= x2 and y1 <= 100 <= y2


def test_a_model_saved_without_expected_distances_still_loads(model):
    raw = SurfaceModel(
        bank=model.bank, mean=model.mean, std=model.std, threshold=model.threshold, config=model.config
    )
    again = SurfaceModel.load(raw.save())
    assert again.expected is None
    image = pitted(41)
    assert again.score(image).score == pytest.approx(raw.score(image).score)


def test_a_pit_at_the_very_end_or_side_of_the_part_is_still_flagged(model):
    """The rows within the streak blur's reach of the image's ends are left out of the score
    (a part's end lies there), but a defect there still shows in the rows next to them; the
    sides are scored to the edge."""
    for x, y in ((100, 235), (100, 228), (4, 120), (195, 60)):
        image = surface(80)
        cv2.circle(image, (x, y), 4, 40, -1)
        found = model.score(image)
        assert found.anomalous
        x1, y1, x2, y2 = found.box
        assert x1 - 8 <= x <= x2 + 8 and y1 - 8 <= y <= y2 + 8
