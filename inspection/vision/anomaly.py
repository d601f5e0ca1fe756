"""OK-only anomaly detection, for products with no defect examples yet: learn what good surfaces
look like from good images alone, then score each new image by how far its worst patch is from
every good patch seen (nearest neighbours in a memory bank, as PatchCore does, over a filter
bank made here rather than a downloaded backbone). Each patch's distance is then divided by how
far good patches at the same place in the frame lie from the bank (a part's edges and corners
vary more than its face). The result carries a score, a verdict against a threshold set from the
good images, and a heat map.

Plain numpy and OpenCV: runs on any worker, no weights to fetch."""

import io
import math
from dataclasses import dataclass

import cv2
import numpy as np

FORMAT = 2  # 2: the expected distance per place in the frame; 1 (still read): raw distances
PLACES = 16  # the expected distance is kept on a PLACES × PLACES grid over the frame
STREAKS = 41  # length in pixels of the column blur that takes the machining streaks out


class AnomalyModelError(ValueError):
    """The model cannot be trained or loaded as asked."""


@dataclass(frozen=True)
class AnomalyConfig:
    patch: int = 8  # patch side, pixels
    neighbours: int = 3
    bank_size: int = 20000  # patches kept from the good images (a random subset past this)
    margin: int = 0  # patches along the sides left out of the score (the top and bottom: see _inner)
    max_side: int = 640  # larger images are scaled down first


@dataclass(frozen=True)
class Anomaly:
    score: float
    threshold: float
    heat: np.ndarray  # float32, the image's size: patch scores over threshold (1.0 = at threshold)
    box: tuple[int, int, int, int] | None  # the hottest region above threshold, x1 y1 x2 y2

    @property
    def anomalous(self) -> bool:
        return self.score > self.threshold

    def heat_png(self) -> bytes:
        """The heat map as a colour PNG (blue: as good as the training images; red: anomalous)."""
        scaled = np.clip(self.heat / 2.0, 0, 1)
        ok, data = cv2.imencode(".png", cv2.applyColorMap((scaled * 255).astype(np.uint8), cv2.COLORMAP_JET))
        return data.tobytes()

    def as_json(self) -> dict:
        return {
            "score": round(self.score, 4),
            "threshold": round(self.threshold, 4),
            "anomalous": self.anomalous,
            "box": list(self.box) if self.box else None,
        }


def _grey(image: np.ndarray, config: AnomalyConfig) -> np.ndarray:
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = config.max_side / max(image.shape)
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if min(image.shape) < 4 * config.patch:
        raise AnomalyModelError(
            f"the image is {image.shape[1]}×{image.shape[0]} px: too small for {config.patch} px patches"
        )
    return image


def patch_features(grey: np.ndarray, patch: int) -> tuple[np.ndarray, tuple[int, int]]:
    """One feature row per patch (row-major), and the patch grid's shape. Grey levels are made
    robust z-scores of the image, the machining streaks along the surface's long axis are taken
    out, then blob, ridge and gradient responses at three scales are pooled (mean, max, min,
    spread) with the slow brightness of the surface."""
    z = (grey.astype(np.float32) - 128.0) / 32.0
    streaks = cv2.blur(z, (1, STREAKS))
    rest = z - streaks
    channels = []
    for sigma in (1, 2, 4):
        b = cv2.GaussianBlur(rest, (0, 0), sigma)
        dxx = cv2.Sobel(b, cv2.CV_32F, 2, 0, ksize=3)
        dyy = cv2.Sobel(b, cv2.CV_32F, 0, 2, ksize=3)
        dxy = cv2.Sobel(b, cv2.CV_32F, 1, 1, ksize=3)
        trace, root = dxx + dyy, np.sqrt((dxx - dyy) ** 2 + 4 * dxy**2)
        s2 = sigma * sigma
        channels += [
            s2 * (trace + root) / 2,
            s2 * (trace - root) / 2,
            b,
            sigma * cv2.Sobel(b, cv2.CV_32F, 0, 1),
        ]
    channels.append(cv2.GaussianBlur(z, (0, 0), 16))
    channels.append(cv2.GaussianBlur(streaks, (0, 0), 4))
    stack = np.stack(channels, -1)
    rows, cols = grey.shape[0] // patch, grey.shape[1] // patch
    cells = stack[: rows * patch, : cols * patch].reshape(rows, patch, cols, patch, -1)
    pooled = [cells.mean((1, 3)), cells.max((1, 3)), cells.min((1, 3)), cells.std((1, 3))]
    return np.concatenate(pooled, -1).reshape(rows * cols, -1), (rows, cols)


def _expected(pooled: np.ndarray) -> np.ndarray:
    """The distance expected at each place: the highest of the good images' there, floored at a
    tenth of its mean so that a place where every good image happened to match closely does not
    turn the slightest difference into an anomaly."""
    expected = pooled.max(0)
    return np.maximum(expected, 0.1 * expected.mean()).astype(np.float32)


def _over(grid: np.ndarray, expected: np.ndarray | None) -> np.ndarray:
    if expected is None:
        return grid
    return grid / cv2.resize(expected, (grid.shape[1], grid.shape[0]), interpolation=cv2.INTER_LINEAR)


class SurfaceModel:
    """Good patches, their feature scaling and the decision threshold. ``fit`` it on good images,
    ``save`` it as one ``.npz`` file, ``load`` it back, ``score`` new images."""

    def __init__(self, *, bank, mean, std, threshold, config: AnomalyConfig, expected=None):
        self.bank, self.mean, self.std = bank, mean, std
        self.expected = expected  # PLACES × PLACES, or None: distances are scored as they are
        self.threshold = float(threshold)
        self.config = config
        self._bank_sq = (bank**2).sum(1)

    @classmethod
    def fit(cls, images, config: AnomalyConfig = AnomalyConfig(), *, seed: int = 0) -> "SurfaceModel":
        """Learn from good images (at least three), each also flipped both ways. Each good image
        is scored against the other images' patches (leave one out): where in the frame those
        distances run high is the expected distance there, and the highest score of a good image
        (its own image left out of the expectation too), plus a tenth, is where anomalous begins."""
        images = [_grey(image, config) for image in images]
        if len(images) < 3:
            raise AnomalyModelError(f"{len(images)} good images: at least 3 are needed")
        rows, owners = [], []
        for index, image in enumerate(images):
            for flip in (None, 0, 1, -1):
                features = patch_features(cv2.flip(image, flip) if flip is not None else image, config.patch)[
                    0
                ]
                rows.append(features)
                owners.append(np.full(len(features), index))
        bank, owner = np.concatenate(rows).astype(np.float32), np.concatenate(owners)
        mean, std = bank.mean(0), bank.std(0) + 1e-6
        bank = (bank - mean) / std
        if len(bank) > config.bank_size:
            keep = np.random.default_rng(seed).choice(len(bank), config.bank_size, replace=False)
            bank, owner = bank[keep], owner[keep]
        model = cls(bank=bank, mean=mean, std=std, threshold=np.inf, config=config)
        grids = [
            cls(bank=bank[owner != index], mean=mean, std=std, threshold=np.inf, config=config)._distances(
                image
            )
            for index, image in enumerate(images)
        ]
        pooled = np.stack(
            [cv2.resize(grid, (PLACES, PLACES), interpolation=cv2.INTER_AREA) for grid in grids]
        )
        left_out = [
            model._inner(_over(grid, _expected(np.delete(pooled, index, 0)))).max()
            for index, grid in enumerate(grids)
        ]
        model.expected = _expected(pooled)
        model.threshold = 1.1 * float(max(left_out))
        return model

    def _score_map(self, grey: np.ndarray) -> np.ndarray:
        """Each patch's distance over the distance expected at its place in the frame."""
        return _over(self._distances(grey), self.expected)

    def _distances(self, grey: np.ndarray) -> np.ndarray:
        """Each patch's mean distance to its nearest good patches, on the patch grid."""
        features, shape = patch_features(grey, self.config.patch)
        features = ((features - self.mean) / self.std).astype(np.float32)
        scores = np.empty(len(features), np.float32)
        k = self.config.neighbours
        for start in range(0, len(features), 512):
            chunk = features[start : start + 512]
            squared = (chunk**2).sum(1)[:, None] + self._bank_sq[None, :] - 2 * chunk @ self.bank.T
            nearest = np.partition(np.maximum(squared, 0), k - 1, axis=1)[:, :k]
            scores[start : start + len(chunk)] = np.sqrt(nearest).mean(1)
        return cv2.GaussianBlur(scores.reshape(shape), (0, 0), 1)

    def _inner(self, grid: np.ndarray) -> np.ndarray:
        """The grid less ``margin`` patches at the sides and, at the top and bottom, at least the
        streak blur's half length. A part's end lies there, nearer or further in on each part
        (which the expected distance per place cannot follow), and the blur reaches past the
        image's edge. Along the sides, the expected distance per place takes up what the filters'
        padding does."""
        side = self.config.margin
        ends = max(side, math.ceil((STREAKS // 2) / self.config.patch))
        if grid.shape[0] <= 2 * ends or grid.shape[1] <= 2 * side:
            return grid
        return grid[ends : grid.shape[0] - ends, side : grid.shape[1] - side]

    def score(self, image: np.ndarray) -> Anomaly:
        grid = self._score_map(_grey(image, self.config))
        score = float(self._inner(grid).max())
        heat = cv2.resize(
            grid / self.threshold, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR
        )
        box = None
        if score > self.threshold:
            count, labels, stats, _ = cv2.connectedComponentsWithStats((heat >= 1.0).astype(np.uint8))
            if count > 1:
                index = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
                x, y, w, h, _ = stats[index]
                box = (int(x), int(y), int(x + w), int(y + h))
        return Anomaly(score=score, threshold=self.threshold, heat=heat.astype(np.float32), box=box)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        expected = {} if self.expected is None else {"expected": self.expected}
        np.savez_compressed(
            buffer,
            format=FORMAT if expected else 1,
            **expected,
            bank=self.bank,
            mean=self.mean,
            std=self.std,
            threshold=self.threshold,
            config=np.array(
                [
                    self.config.patch,
                    self.config.neighbours,
                    self.config.bank_size,
                    self.config.margin,
                    self.config.max_side,
                ]
            ),
        )
        return buffer.getvalue()

    @classmethod
    def load(cls, data: bytes) -> "SurfaceModel":
        try:
            stored = np.load(io.BytesIO(data), allow_pickle=False)
            if int(stored["format"]) not in (1, FORMAT):
                raise AnomalyModelError(
                    f"model format {int(stored['format'])}, this version reads 1 to {FORMAT}"
                )
            patch, neighbours, bank_size, margin, max_side = (int(v) for v in stored["config"])
            return cls(
                bank=stored["bank"],
                mean=stored["mean"],
                std=stored["std"],
                threshold=float(stored["threshold"]),
                config=AnomalyConfig(patch, neighbours, bank_size, margin, max_side),
                expected=stored["expected"] if int(stored["format"]) >= 2 else None,
            )
        except (OSError, KeyError, ValueError) as exc:
            if isinstance(exc, AnomalyModelError):
                raise
            raise AnomalyModelError(f"not a TraceLens surface model: {exc}") from exc
