"""The MQTT trigger listener (``manage.py mqtt_listen``, or a thread of ``make run`` when
``MQTT_URL`` is set): subscribes with QoS 1 to ``tracelens/+/+/+/part-present`` in a session the
broker keeps (``MQTT_CLIENT_ID``), so triggers sent while it was away arrive when it returns.

A message is acknowledged only once its trigger is stored. A message that can never be stored
(not JSON, an unknown station, a missing part id) is acknowledged, logged, and answered on
``<topic>/error`` with the reason; nothing is stored for it. A database error leaves the message
unacknowledged and reconnects, so the broker sends it again."""

import json
import logging
import threading
import time
from urllib.parse import urlparse

from django.conf import settings
from django.db import DatabaseError, close_old_connections

from integrations.triggers import TOPIC, TriggerRefused, handle_message

logger = logging.getLogger(__name__)
RECONNECT_S = 2.0


def _client(on_ready=None):
    import paho.mqtt.client as mqtt

    url = urlparse(settings.MQTT_URL)
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=settings.MQTT_CLIENT_ID,
        clean_session=False,
        manual_ack=True,
    )
    if url.username:
        client.username_pw_set(url.username, url.password)

    def connected(client, userdata, flags, reason, properties):
        if reason.is_failure:
            logger.error("MQTT trigger listener refused by the broker: %s", reason)
            return
        client.subscribe(TOPIC, qos=1)
        logger.info("MQTT trigger listener subscribed to %s", TOPIC)
        if on_ready:
            on_ready()

    client.on_connect = connected
    client.on_message = _on_message
    return client, url


def _on_message(client, userdata, message) -> None:
    try:
        trigger = handle_message(message.topic, message.payload)
    except TriggerRefused as exc:
        logger.warning("trigger on %s refused (%s): %s", message.topic, exc.code, exc.message)
        answer = {
            "error": exc.code,
            "detail": exc.message,
            "payload": message.payload[:200].decode("utf-8", "replace"),
        }
        client.publish(message.topic + "/error", json.dumps(answer), qos=1)
    except DatabaseError:
        logger.exception("trigger on %s not stored; the broker will send it again", message.topic)
        close_old_connections()
        client.disconnect()  # unacknowledged: redelivered when the session resumes
        return
    else:
        logger.info(
            "part %s present at station %s (trigger %s)", trigger.part_id, trigger.station_id, trigger.pk
        )
    finally:
        close_old_connections()
    client.ack(message.mid, message.qos)


def listen(stop: threading.Event, on_ready=None) -> None:
    """Until ``stop`` is set: connect, take messages, reconnect after any drop."""
    if not settings.MQTT_URL:
        raise RuntimeError("MQTT_URL is not set: there is no broker to take triggers from")
    client, url = _client(on_ready)
    while not stop.is_set():
        try:
            client.connect(url.hostname or "127.0.0.1", url.port or 1883, keepalive=30)
        except OSError as exc:
            logger.warning("MQTT broker %s:%s unreachable: %s", url.hostname, url.port or 1883, exc)
            stop.wait(RECONNECT_S)
            continue
        client.loop_start()
        deadline = time.monotonic() + 10  # the broker's CONNACK
        while not stop.is_set() and not client.is_connected() and time.monotonic() < deadline:
            stop.wait(0.05)
        while not stop.is_set() and client.is_connected():
            stop.wait(0.5)
        client.loop_stop()
        if client.is_connected():
            client.disconnect()
        stop.wait(0 if stop.is_set() else RECONNECT_S)


def start_listener_thread(stop: threading.Event | None = None) -> threading.Thread:
    stop = stop or threading.Event()
    thread = threading.Thread(target=listen, args=(stop,), name="mqtt-trigger-listener", daemon=True)
    thread.start()
    return thread
