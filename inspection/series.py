"""Plausibility and predictive-maintenance arithmetic on one display's series. Plain Python
(numbers and datetimes in, numbers and reasons out), so the benchmark and the services share it.

- ``implausible``: range, rate of change, a counter that went down.
- ``consensus``: the value most frames of a fixed camera agree on.
- ``Cusum``: two-sided CUSUM on the level, in standard deviations of a baseline.
- ``time_to_limit``: a straight line fitted to the recent points, projected to a limit.
- ``drift_trend``: after a CUSUM alarm, the line the level has followed since the change,
  projected to a limit."""

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Limits:
    low: float | None = None
    high: float | None = None
    max_rate_per_hour: float | None = None
    counter: bool = False


def implausible(
    value: float, at: dt.datetime, previous: tuple[float, dt.datetime] | None, limits: Limits
) -> str:
    """Why ``value`` read at ``at`` cannot be right, given the last accepted point; "" if it can."""
    if limits.low is not None and value < limits.low:
        return f"{value:g} is below the display's range ({limits.low:g})"
    if limits.high is not None and value > limits.high:
        return f"{value:g} is above the display's range ({limits.high:g})"
    if previous is None:
        return ""
    last, last_at = previous
    if limits.counter and value < last:
        return f"the counter went down from {last:g} to {value:g}"
    hours = (at - last_at).total_seconds() / 3600
    if limits.max_rate_per_hour is not None and hours > 0:
        rate = abs(value - last) / hours
        if rate > limits.max_rate_per_hour:
            return f"changed {rate:g}/h since the last reading (at most {limits.max_rate_per_hour:g}/h)"
    return ""


def consensus(values: list[float], frames: int) -> float | None:
    """The value at least half of the last ``frames`` readings agree on, or None."""
    recent = [v for v in values[-frames:] if v is not None]
    if len(recent) < frames:
        return None
    value, count = Counter(recent).most_common(1)[0]
    return value if count * 2 > frames else None


@dataclass
class Cusum:
    """Page's two-sided CUSUM. The first ``baseline`` points give the in-control mean and
    standard deviation (see ``fit``); then each point adds ``(x - mean)/sd - k`` to the upper sum (and the
    mirror to the lower), and a sum above ``h`` is an alarm (the sums restart after it)."""

    k: float = 0.5
    h: float = 8.0
    baseline: int = 100
    mean: float | None = None
    sd: float | None = None
    upper: float = 0.0
    lower: float = 0.0

    def fit(self, values: list[float]) -> None:
        """Mean and standard deviation of the baseline. A short baseline often underestimates
        the spread, and every such error becomes false alarms: the deviation used is the upper
        90 % confidence bound (chi-square, Wilson-Hilferty), not the point estimate."""
        head = np.asarray(values[: self.baseline], np.float64)
        n = len(head) - 1
        self.mean = float(head.mean())
        low_quantile = n * (1 - 2 / (9 * n) - 1.2816 * math.sqrt(2 / (9 * n))) ** 3
        self.sd = float(head.std(ddof=1) * math.sqrt(n / low_quantile)) or 1e-9

    def step(self, value: float) -> str:
        """ "up", "down" or "" for one new point."""
        z = (value - self.mean) / self.sd
        self.upper = max(0.0, self.upper + z - self.k)
        self.lower = max(0.0, self.lower - z - self.k)
        if self.upper > self.h:
            self.upper = self.lower = 0.0
            return "up"
        if self.lower > self.h:
            self.upper = self.lower = 0.0
            return "down"
        return ""

    def run(self, values: list[float]) -> list[tuple[int, str, int]]:
        """Alarms over a whole series, the baseline included in the fit: (index, direction, the
        index where the sum that fired last left zero: the estimated start of the change)."""
        if len(values) < self.baseline:
            return []
        self.fit(values)
        self.upper = self.lower = 0.0
        alarms, up_from, down_from = [], self.baseline, self.baseline
        for i, v in enumerate(values[self.baseline :], self.baseline):
            if self.upper == 0.0:
                up_from = i
            if self.lower == 0.0:
                down_from = i
            direction = self.step(v)
            if direction:
                alarms.append((i, direction, up_from if direction == "up" else down_from))
        return alarms


@dataclass(frozen=True)
class Trend:
    slope_per_hour: float
    level: float  # the fitted value at the last point
    hours_to_limit: float | None  # None: not heading for the limit
    points: int
    limit: float | None = None  # the limit it heads for: high when rising, low when falling


HORIZON_HOURS = 1e5  # about 11 years: a trend reaching its limit later than this is taken as flat


def time_to_limit(times: list[dt.datetime], values: list[float], *, low=None, high=None) -> Trend | None:
    """Least-squares line through the points; hours from the last point until it crosses
    ``high`` (rising) or ``low`` (falling), or None past ``HORIZON_HOURS`` (a flat series'
    slope is rounding noise, and projects its limit ages away). None with fewer than 3 points
    or no time span."""
    if len(values) < 3:
        return None
    t0 = times[-1]
    x = np.array([(t - t0).total_seconds() / 3600 for t in times])
    y = np.asarray(values, np.float64)
    if np.ptp(x) == 0:
        return None
    slope, level = np.polyfit(x, y, 1)
    return _projected(slope, level, len(values), low=low, high=high)


def _projected(slope: float, level: float, points: int, *, low, high) -> Trend:
    """``level`` now, moving ``slope`` per hour: the hours until it crosses ``high`` (rising) or
    ``low`` (falling); none past ``HORIZON_HOURS``."""
    limit = high if slope > 0 else low if slope < 0 else None
    hours = None if limit is None else max(0.0, (limit - level) / slope)
    if hours is None or hours > HORIZON_HOURS:
        return Trend(float(slope), float(level), None, points)
    return Trend(float(slope), float(level), float(hours), points, float(limit))


def drift_trend(
    times: list[dt.datetime], values: list[float], *, mean: float, since: int, low=None, high=None
) -> tuple[Trend, dt.datetime] | None:
    """The line the level has followed since a change that CUSUM found at the last point, and
    when the change began. The level held ``mean`` (the baseline's) until an onset, then moved
    in a straight line: with the level before it known, only the slope is fitted, which halves
    its error against a free line through the same few points. CUSUM's own onset, ``since`` (the
    index where its sum left zero), often comes late, once the drift outweighs its allowance, so
    the onset is searched from twice the detection span before it to three points before the end,
    and the line with the least squared error wins. None with fewer than 3 points after the
    onset or no time span."""
    end = len(values) - 1
    first = max(0, since - 2 * (end - since) - 1)
    if end - first < 3:
        return None
    x = np.array([(t - times[-1]).total_seconds() / 3600 for t in times[first:]])
    y = np.asarray(values[first:], np.float64) - mean

    # for each onset o, over the points after it: slope = sum(y (x - x_o)) / sum((x - x_o)^2),
    # and the squared error is sum(y^2) - slope * sum(y (x - x_o)); the sums after each point
    # come from running sums from the end, so every onset costs the same few operations
    def after(v):
        return np.cumsum(v[::-1])[::-1][1:]  # for each point, the sum over the points after it

    n, sx, sy, sxx, sxy = after(np.ones_like(x)), after(x), after(y), after(x * x), after(x * y)
    o = x[:-1]
    spread = sxx - 2 * o * sx + n * o * o
    lift = sxy - o * sy
    usable = np.flatnonzero((n >= 3) & (spread > 1e-12))
    if not len(usable):
        return None
    onset = int(usable[np.argmax(lift[usable] ** 2 / spread[usable])])
    slope = float(lift[onset] / spread[onset])
    trend = _projected(slope, mean - slope * x[onset], len(x) - onset, low=low, high=high)
    return trend, times[first + onset]
