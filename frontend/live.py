"""Live pushes: one ``notify(group, payload)`` for every sender, with typed payloads.

With Redis the channel layer works from any process; its connections belong to the event loop
that opened them, so each process sends from one loop of its own, kept running in a thread,
rather than a new loop (and new connections) per push. In the embedded setup the in-memory layer
lives in the server's event loop, and the in-process worker runs in other threads, so sends are
handed to that loop."""

import asyncio
import logging
import os
import threading
from typing import Literal, TypedDict

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None
_push_loop: tuple[int, asyncio.AbstractEventLoop] | None = None  # (pid, loop): a forked child starts its own
_push_lock = threading.Lock()


class CaptureChanged(TypedDict):
    """To a capture's page group: the capture (its id) changed; its sockets read it whole."""

    type: Literal["capture.changed"]
    capture: int


class DashboardCapture(TypedDict):
    type: Literal["dashboard.capture"]
    capture: dict


class DashboardAlert(TypedDict):
    """A maintenance alert raised on any line (``AlertRaised`` with its machine's id and line
    code): dashboards in scope read their open alerts again."""

    type: Literal["dashboard.alert"]
    alert: dict


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


class MeterRead(TypedDict):
    """A display at a station read (or a reading of it reviewed): its machine's page redraws the
    display's chart and where it stands."""

    type: Literal["meter.read"]
    reading: int
    equipment: str
    display: int
    name: str
    value: float | None
    status: str
    reasons: list[str]
    read_at: str


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


def _process_loop() -> asyncio.AbstractEventLoop:
    global _push_loop
    with _push_lock:
        if _push_loop is None or _push_loop[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="live-push", daemon=True).start()
            _push_loop = (os.getpid(), loop)
        return _push_loop[1]


def notify(
    group: str,
    payload: CaptureChanged
    | DashboardCapture
    | DashboardAlert
    | VerificationDone
    | SortDecided
    | AlertRaised
    | MeterRead,
) -> None:
    layer = get_channel_layer(LAYER_OF_GROUP.get(group, DEFAULT_CHANNEL_LAYER))
    if layer is None:
        return
    try:
        if not isinstance(layer, InMemoryChannelLayer):
            loop = _process_loop()
        elif _server_loop is not None and _server_loop.is_running():
            loop = _server_loop
        else:  # a test's layer: its loop is the one async_to_sync finds
            async_to_sync(layer.group_send)(group, payload)
            return
        asyncio.run_coroutine_threadsafe(layer.group_send(group, payload), loop).result(timeout=5)
    except Exception:  # noqa: BLE001 - a lost push must never fail the reading; pages fetch on connect
        logger.exception("push to %s failed", group)
