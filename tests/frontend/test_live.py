"""``notify`` over Redis from worker threads: every push arrives, and each process sends from one
event loop of its own (one set of Redis connections) however many threads push."""

import asyncio
import threading
from urllib.parse import urlsplit

import pytest
from channels.layers import get_channel_layer
from django.test import override_settings

from frontend.live import capture_group, notify
from tests.services import REDIS_URL, require

pytestmark = pytest.mark.integration


def test_pushes_from_many_threads_all_arrive_over_one_loop():
    address = urlsplit(REDIS_URL)
    require("Redis", address.hostname, address.port)
    layers = {
        alias: {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
        for alias in ("default", "fanout")
    }
    with override_settings(CHANNEL_LAYERS=layers):
        layer = get_channel_layer()

        async def join():
            channel = await layer.new_channel()
            await layer.group_add(capture_group(7), channel)
            return channel

        channel = asyncio.run(join())
        threads = [
            threading.Thread(
                target=notify, args=(capture_group(7), {"type": "capture.changed", "capture": n})
            )
            for n in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        async def drain():
            return [(await asyncio.wait_for(layer.receive(channel), 5))["capture"] for _ in range(6)]

        assert sorted(asyncio.run(drain())) == list(range(6))
        assert [t.name for t in threading.enumerate()].count("live-push") == 1
