"""One dashboard subscription per server process, fanned out to its sockets in batches.

Fifty dashboards each in the channel layer's group cost fifty layer messages per result and one
WebSocket frame per result per dashboard: at a few hundred results a second one process falls
behind (78 results/s per dashboard with p95 1.35 s measured). The hub joins the group once per
process, receives each result once, and sends whatever has gathered as one frame to every local
dashboard. While a frame is being sent, and for at most 10 ms after the last one, new results
wait for the next frame: at a low rate each result goes out alone and at once; under load
frames grow instead of queues."""

import asyncio
import json
import logging
import weakref

from frontend.live import DASHBOARD_GROUP

logger = logging.getLogger(__name__)

REJOIN_SECONDS = 3600  # channel layers forget group members after a day (channels-redis: 86,400 s)
MAX_BATCH = 500  # results in one frame at most
MIN_INTERVAL = 0.01  # seconds between two frames: under load, 100 frames a second per socket at most
# Messages sent on as they come, each ``dashboard.<kind>`` with its row under ``kind`` and the
# row's machine's line: a maintenance alert, a meter reading (a fixed camera reading a display
# once a minute: 100 cameras, under 2 a second), and a machine or display added, changed or removed.
AT_ONCE = {"dashboard.alert", "dashboard.meter", "dashboard.equipment"}


class DashboardHub:
    """The process's dashboard sockets on one event loop. Invariants: subscribed to the group
    exactly while it has members; every result received is sent to every member present when
    its frame goes out; a member whose socket fails is dropped, the others still get the frame."""

    def __init__(self, layer):
        self.layer = layer
        self.members: set = set()
        self.pending: list[dict] = []
        self.wake = asyncio.Event()
        self.channel = ""
        self.tasks: list[asyncio.Task] = []
        self.lock = asyncio.Lock()  # sockets connect together: one subscription for all of them

    async def join(self, consumer) -> None:
        async with self.lock:
            self.members.add(consumer)
            if not self.tasks:
                # the default prefix: channels-redis reads every process-local channel with the
                # same prefix through one list; another prefix would wait behind the sockets'
                # reader for ever (what stalled the first try at this hub)
                self.channel = await self.layer.new_channel()
                await self.layer.group_add(DASHBOARD_GROUP, self.channel)
                self.tasks = [asyncio.create_task(self._receive()), asyncio.create_task(self._send())]
                logger.info("dashboard hub %s subscribed", self.channel)

    async def leave(self, consumer) -> None:
        async with self.lock:
            self.members.discard(consumer)
            if self.members or not self.tasks:
                return
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            self.tasks = []
            await self.layer.group_discard(DASHBOARD_GROUP, self.channel)
            logger.info("dashboard hub %s unsubscribed", self.channel)

    async def _receive(self) -> None:
        loop = asyncio.get_running_loop()
        rejoin_at = loop.time() + REJOIN_SECONDS
        while True:
            message = await self.layer.receive(self.channel)
            if "capture" in message:
                self.pending.append(message["capture"])
                self.wake.set()
            elif message.get("type") in AT_ONCE:  # rare: sent at once, not batched
                await self._at_once(message, message[message["type"].removeprefix("dashboard.")])
            if loop.time() > rejoin_at:
                await self.layer.group_add(DASHBOARD_GROUP, self.channel)
                rejoin_at = loop.time() + REJOIN_SECONDS

    async def _at_once(self, message: dict, row: dict) -> None:
        """An alert, a meter reading or a machine's change, to every member whose lines hold its
        machine."""
        line = row.get("line")
        members = [m for m in self.members if getattr(m, "lines", None) is None or line in m.lines]
        text = json.dumps(message)
        await self._deliver({member: text for member in members})

    async def _deliver(self, texts: dict) -> None:
        """Each member its text, together; a member whose socket fails is dropped, the others
        still get theirs."""
        members = list(texts)
        results = await asyncio.gather(
            *(member.send(text_data=texts[member]) for member in members), return_exceptions=True
        )
        for member, result in zip(members, results, strict=True):
            if isinstance(result, Exception):
                logger.warning("dashboard socket %s dropped: %s", id(member), result)
                self.members.discard(member)

    async def _send(self) -> None:
        loop = asyncio.get_running_loop()
        last = 0.0
        while True:
            await self.wake.wait()
            # a result after a quiet spell goes out at once; under load, results gather for up to
            # MIN_INTERVAL, so each socket gets fewer, larger frames (frames, not rows, cost CPU)
            if (delay := last + MIN_INTERVAL - loop.time()) > 0:
                await asyncio.sleep(delay)
            self.wake.clear()
            last = loop.time()
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                frames = {}  # one frame per scope (``member.lines``: line codes, None for all)
                members = [m for m in self.members if getattr(m, "captures", True)]  # not the lists'
                for member in members:
                    scope = getattr(member, "lines", None)
                    if scope not in frames:
                        rows = batch if scope is None else [row for row in batch if row.get("line") in scope]
                        frames[scope] = (
                            json.dumps({"type": "dashboard.captures", "captures": rows}) if rows else None
                        )
                texts = {member: frames[getattr(member, "lines", None)] for member in members}
                await self._deliver({member: text for member, text in texts.items() if text is not None})


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, DashboardHub]" = weakref.WeakKeyDictionary()


def hub_for(layer) -> DashboardHub:
    """The hub of the running event loop (a server process has one loop; tests make several)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        hub = _hubs[loop] = DashboardHub(layer)
    return hub
