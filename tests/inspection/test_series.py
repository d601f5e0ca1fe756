"""Plausibility, consensus, CUSUM and time-to-limit arithmetic."""

import datetime as dt

import numpy as np

from inspection.series import Cusum, Limits, consensus, drift_trend, implausible, time_to_limit

T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


def test_implausible_says_why():
    limits = Limits(low=0, high=100, max_rate_per_hour=10, counter=True)
    assert implausible(50, T0, None, limits) == ""
    assert "above the display's range" in implausible(101, T0, None, limits)
    assert "below the display's range" in implausible(-1, T0, None, limits)
    assert "counter went down" in implausible(40, T0 + dt.timedelta(hours=1), (45, T0), limits)
    assert "changed 30/h" in implausible(75, T0 + dt.timedelta(hours=1), (45, T0), limits)
    assert implausible(50, T0 + dt.timedelta(hours=1), (45, T0), limits) == ""


def test_consensus_needs_a_majority_of_the_frames():
    assert consensus([12.5, 12.5, 12.8], 3) == 12.5
    assert consensus([12.5, 12.6, 12.8], 3) is None
    assert consensus([12.5, 12.5], 3) is None  # not enough frames yet


def test_cusum_finds_a_drift_soon_and_stays_quiet_without_one():
    rng = np.random.default_rng(1)
    false_alarms = sum(len(Cusum().run(list(50 + rng.normal(0, 1, 10_100)))) for _ in range(5))
    assert false_alarms <= 15  # at most 3 per 10,000 in-control points
    drifting = 50 + rng.normal(0, 1, 3000)
    drifting[1500:] += 0.02 * np.arange(1500)
    alarms = [(i, d, since) for i, d, since in Cusum().run(list(drifting)) if i >= 1500]
    index, direction, since = alarms[0]
    assert direction == "up" and 1500 < index < 1600
    assert 1400 < since <= index  # the change point it estimates is near the true one


def test_time_to_limit_projects_the_fitted_line():
    times = [T0 + dt.timedelta(hours=h) for h in range(5)]
    trend = time_to_limit(times, [10, 12, 14, 16, 18], high=30)
    assert round(trend.slope_per_hour, 6) == 2 and round(trend.hours_to_limit, 6) == 6
    assert trend.limit == 30
    away = time_to_limit(times, [18, 16, 14, 12, 10], high=30)
    assert away.hours_to_limit is None and away.limit is None  # heading away
    falling = time_to_limit(times, [18, 16, 14, 12, 10], low=4, high=30)
    assert round(falling.hours_to_limit, 6) == 3 and falling.limit == 4
    flat = time_to_limit(times, [70.1] * 5, low=20, high=120)  # its slope is rounding noise
    assert abs(flat.slope_per_hour) < 1e-9 and flat.hours_to_limit is None
    assert time_to_limit(times[:2], [1, 2], high=3) is None


def test_a_drift_s_line_starts_where_the_level_left_its_baseline():
    """Level 50 with unit noise, rising 1.2 an hour from minute 1500, 40 times: at each alarm
    the drift's line starts near the true start, and its projection to 60 is nearer the truth
    than a free line's through the points since CUSUM's own onset, and always made (a free line
    may head away). An alarm raised early by noise steepens both: one case alone says little.
    A fall heads for the low limit; too few points after the onset give none."""
    rng = np.random.default_rng(7)
    times = [T0 + dt.timedelta(minutes=i) for i in range(1800)]
    onsets, ours, free = [], [], []
    for _ in range(40):
        values = 50 + rng.normal(0, 1, 1800)
        values[1500:] += 0.02 * np.arange(300)
        detector = Cusum()
        found, _, since = next(a for a in detector.run(list(values)) if a[1] == "up" and a[0] >= 1500)
        seen = list(values[: found + 1])
        trend, onset = drift_trend(times[: found + 1], seen, mean=detector.mean, since=since, high=60.0)
        truth = (1500 + 10 / 0.02 - found) / 60
        onsets.append(abs(onset - times[1500]))
        ours.append(abs(trend.hours_to_limit - truth) if trend.hours_to_limit is not None else np.inf)
        line = time_to_limit(times[since : found + 1], seen[since:], high=60.0)
        free.append(abs(line.hours_to_limit - truth) if line and line.hours_to_limit is not None else np.inf)
    assert np.median(onsets) <= dt.timedelta(minutes=30)
    assert np.isfinite(ours).all() and np.median(ours) < np.median(free)
    falling = drift_trend(
        times[:40], [50.0] * 30 + [49.0 - i for i in range(10)], mean=50.0, since=32, low=30.0
    )
    assert falling[0].limit == 30 and falling[0].slope_per_hour < 0 and falling[1] == times[29]
    assert drift_trend(times[:3], [50.0, 50.0, 51.0], mean=50.0, since=2, low=30.0) is None
