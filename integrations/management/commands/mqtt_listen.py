"""``python manage.py mqtt_listen``: take "part present" triggers from the plant's MQTT broker
(``MQTT_URL``) until stopped. Run one per ``MQTT_CLIENT_ID``."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from integrations.listener import listen


class Command(BaseCommand):
    help = 'Take "part present" triggers (tracelens/<site>/<line>/<station>/part-present) from MQTT.'

    def handle(self, *args, **options):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        try:
            listen(
                stop, on_ready=lambda: self.stdout.write("listening for part-present triggers", ending="\n")
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
