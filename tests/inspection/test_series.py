"""Plausibility, consensus, CUSUM and time-to-limit arithmetic."""

import datetime as dt

import numpy as np

from inspection.series import Cusum, Limits, consensus, implausible, time_to_limit

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
