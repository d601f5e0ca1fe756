"""A moment given in a query string (``?start=``, ``?since=``): an ISO date-time, made aware in
the site's zone when it names none."""

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def parse_moment(text: str) -> dt.datetime | None:
    """None for text that is no date-time, including a well-formed impossible one
    ("2026-13-45T00:00"), which ``parse_datetime`` raises for."""
    try:
        moment = parse_datetime(text.strip())
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else timezone.make_aware(moment)


def parse_bounds(params, keys=("start", "end")) -> dict[str, dt.datetime]:
    """The bounds a query gives (``?start=&end=``), by key, leaving out those not given; a
    ValueError naming the key for one that is no date-time."""
    bounds = {}
    for key in keys:
        if params.get(key):
            moment = parse_moment(params[key])
            if moment is None:
                raise ValueError(f"{key}: not an ISO date-time")
            bounds[key] = moment
    return bounds
