"""WebSocket consumers. Anonymous connections are closed; permission is checked when joining
each narrow group; consumers only relay, they never write."""

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from accounts.choices import SEE_ALL_ROLES, Role
from accounts.permissions import PEOPLE, can_view_capture
from accounts.scoping import in_scope, scoped_line_codes
from frontend.hub import hub_for
from frontend.live import FANOUT_LAYER, capture_group, station_group
from ocr.models import Capture
from ocr.selectors import capture_payload
from traceability.models import Station

logger = logging.getLogger(__name__)


class CaptureConsumer(AsyncJsonWebsocketConsumer):
    """``ws/captures/<id>/``: the capture's current state on connect, then every update.
    Sending the state on connect closes the race where a reading finishes before the page
    subscribes."""

    async def connect(self):
        user = self.scope.get("user")
        self.capture_id = int(self.scope["url_route"]["kwargs"]["capture_id"])
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        snapshot = await self._snapshot_if_allowed(user)
        if snapshot is None:
            logger.warning("user %s refused websocket for capture %s", user.pk, self.capture_id)
            await self.close(code=4403)
            return
        self.group = capture_group(self.capture_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "capture.updated", "capture": snapshot})

    @database_sync_to_async
    def _snapshot_if_allowed(self, user):
        capture = Capture.objects.filter(pk=self.capture_id).first()
        if capture is None or not can_view_capture(user, capture):
            return None
        return capture_payload(self.capture_id)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def capture_changed(self, event):
        """Word from ``publish_capture`` that the capture changed: the page gets it whole (as it
        is now: of two changes in quick succession, both pushes carry the later state)."""
        try:
            capture = await database_sync_to_async(capture_payload)(event["capture"])
        except Capture.DoesNotExist:  # deleted since: the page keeps what it shows
            return
        await self.send_json({"type": "capture.updated", "capture": capture})


class StationConsumer(AsyncJsonWebsocketConsumer):
    """``ws/stations/<id>/``: the station's label verifications, sort decisions, meter readings
    and maintenance alerts as they are made, for its station and machine pages. People of every
    role but camera devices may watch a station on their lines (``accounts.scoping``)."""

    async def connect(self):
        user = self.scope.get("user")
        station_id = int(self.scope["url_route"]["kwargs"]["station_id"])
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if getattr(user, "role", None) == Role.DEVICE or not await self._may_watch(user, station_id):
            logger.warning("user %s refused websocket for station %s", user.pk, station_id)
            await self.close(code=4403)
            return
        self.group = station_group(station_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    @database_sync_to_async
    def _may_watch(self, user, station_id):
        """The station exists, on one of the lines the person is limited to, if any."""
        line_id = Station.objects.filter(pk=station_id).values_list("line_id", flat=True).first()
        return line_id is not None and in_scope(user, line_id)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def verification_done(self, event):
        await self.send_json(event)

    async def sort_decision(self, event):
        await self.send_json(event)

    async def alert_raised(self, event):
        await self.send_json(event)

    async def meter_read(self, event):
        await self.send_json(event)


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """``ws/dashboard/``: every capture as it arrives and as its reading finishes, for roles that
    see every capture (admins, supervisors, auditors). The socket joins its process's hub, not
    the group itself: results come in ``dashboard.captures`` frames of one or more rows. The
    socket reads nothing from the channel layer itself (no layer alias): with channels-redis
    every idle reader of a process wakes for every message the process receives, so fifty idle
    dashboard readers made each result cost fifty wake-ups."""

    channel_layer_alias = "none: the hub reads the layer for every dashboard socket"
    roles = SEE_ALL_ROLES
    captures = True  # the hub sends it the captures' frames

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if getattr(user, "role", None) not in self.roles:
            logger.warning("user %s refused the %s websocket", user.pk, type(self).__name__)
            await self.close(code=4403)
            return
        self.lines = await database_sync_to_async(scoped_line_codes)(user)  # None: every line
        await self.accept()
        self.hub = hub_for(get_channel_layer(FANOUT_LAYER))
        await self.hub.join(self)

    async def disconnect(self, code):
        if hasattr(self, "hub"):
            await self.hub.leave(self)


class EquipmentConsumer(DashboardConsumer):
    """``ws/equipment/``: the dashboards' maintenance alerts and meter readings, not their
    captures, for the equipment list of everyone who may open it (every role but camera
    devices; an operator sees only their own captures), on the lines they see."""

    roles = PEOPLE
    captures = False
