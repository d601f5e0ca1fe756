"""Publishing to the plant's MQTT broker: one connected client per process, QoS 1, topics per
site/line/station (``tracelens/<site>/<line>/<station>/<kind>``). ``MQTT_URL`` unset: nothing is
published (the embedded default). A broker that is down never fails the caller: ``publish``
returns False and logs, and the record it announces stays in the database and the API."""

import json
import logging
import threading
from urllib.parse import urlparse

from django.conf import settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_client = None
TIMEOUT_S = 2.0


def topic(station, kind: str) -> str:
    """``tracelens/<site>/<line>/<station>/<kind>`` for a station (codes, as stored)."""
    if station is None:
        return f"tracelens/_/_/_/{kind}"
    line = station.line
    return f"tracelens/{line.site.code}/{line.code}/{station.code}/{kind}"


def _connected():
    global _client
    with _lock:
        if _client is not None:
            return _client
        import paho.mqtt.client as mqtt

        url = urlparse(settings.MQTT_URL)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", clean_session=True)
        if url.username:
            client.username_pw_set(url.username, url.password)
        client.connect(url.hostname or "127.0.0.1", url.port or 1883, keepalive=30)
        client.loop_start()
        _client = client
        return client


def publish(topic_name: str, payload: dict) -> bool:
    """Send ``payload`` as JSON with QoS 1 and wait (briefly) for the broker's PUBACK."""
    if not settings.MQTT_URL:
        return False
    try:
        info = _connected().publish(topic_name, json.dumps(payload, default=str), qos=1)
        info.wait_for_publish(TIMEOUT_S)
        if not info.is_published():
            raise TimeoutError("no PUBACK")
    except (OSError, TimeoutError, RuntimeError, ValueError) as exc:
        logger.warning("MQTT publish to %s failed: %s", topic_name, exc)
        _reset()
        return False
    return True


def _reset() -> None:
    global _client
    with _lock:
        if _client is not None:
            _client.loop_stop()
            _client.disconnect()
        _client = None
