"""Live pushes: one ``notify(group, payload)`` for every sender, with typed payloads.

With Redis the channel layer works from any process. In the embedded setup the in-memory layer
lives in the server's event loop, and the in-process worker runs in other threads, so sends are
handed to that loop."""

import asyncio
import logging
from typing import Literal, TypedDict

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None


class CaptureUpdated(TypedDict):
    type: Literal["capture.updated"]
    capture: dict


class DashboardCapture(TypedDict):
    type: Literal["dashboard.capture"]
    capture: dict


class DashboardCaptures(TypedDict):
    """What a dashboard socket receives: the rows its process's hub gathered (frontend.hub)."""

    type: Literal["dashboard.captures"]
    captures: list[dict]


class VerificationDone(TypedDict):
    """A label verified at a station: what its verification station page shows."""

    type: Literal["verification.done"]
    verification: dict


class SortDecided(TypedDict):
    """A part's sort decision at a station (the same JSON goes to the station's MQTT topic)."""

    type: Literal["sort.decision"]
    capture: int
    station: str | None
    trigger: str
    bin: str
    reasons: list[str]
    decided_at: str


class AlertRaised(TypedDict):
    """A maintenance alert on a display at a station (the same JSON goes to MQTT ``.../alert``)."""

    type: Literal["alert.raised"]
    alert: int
    equipment: str
    display: str
    rule: str
    kind: str
    message: str
    raised_at: str


def station_group(station_id: int) -> str:
    return f"station.{station_id}"


DASHBOARD_GROUP = "dashboard"
FANOUT_LAYER = "fanout"  # the channel layer alias the dashboard group lives on (settings)
LAYER_OF_GROUP = {DASHBOARD_GROUP: FANOUT_LAYER}  # every other group: the default layer


def capture_group(capture_id: int) -> str:
    return f"capture.{capture_id}"


def set_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Called by the embedded server: in-memory channel sends must run on this loop."""
    global _server_loop
    _server_loop = loop


def notify(
    group: str, payload: CaptureUpdated | DashboardCapture | VerificationDone | SortDecided | AlertRaised
) -> None:
    layer = get_channel_layer(LAYER_OF_GROUP.get(group, DEFAULT_CHANNEL_LAYER))
    if layer is None:
        return
    try:
        if _server_loop is not None and _server_loop.is_running():
            future = asyncio.run_coroutine_threadsafe(layer.group_send(group, payload), _server_loop)
            future.result(timeout=5)
        else:
            async_to_sync(layer.group_send)(group, payload)
    except Exception:  # noqa: BLE001 - a lost push must never fail the reading; pages fetch on connect
        logger.exception("push to %s failed", group)
