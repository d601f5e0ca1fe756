import asyncio

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand

from frontend.live import set_server_loop


class Command(BaseCommand):
    help = (
        "Serve TraceLens (pages, API, WebSockets) with uvicorn. Without REDIS_URL it also runs the "
        "embedded reading worker in this process."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **options):
        if settings.EMBEDDED_WORKER:
            from frontend.embedded import start_embedded_beat, start_embedded_relay, start_embedded_worker
            from ocr.services import redispatch_pending

            start_embedded_worker()
            start_embedded_beat()
            start_embedded_relay()
            if settings.MQTT_URL:
                from integrations.listener import start_listener_thread

                start_listener_thread()
            count = redispatch_pending()
            from integrations.supplier_docs import resend_pending

            resend_pending(older_than_s=0)
            self.stdout.write(f"Embedded reading worker started; {count} pending job(s) sent again.")
        config = uvicorn.Config(
            "config.asgi:application",
            host=host,
            port=port,
            log_level="info",
            lifespan="off",
            # live frames are small JSON on a plant network; deflating each one for each socket
            # was a fifth of the server's time with fifty dashboards open
            ws_per_message_deflate=False,
        )
        server = uvicorn.Server(config)
        self.stdout.write(f"TraceLens serving at http://{host}:{port}/")

        async def serve():
            set_server_loop(asyncio.get_running_loop())
            try:
                await server.serve()
            finally:
                set_server_loop(None)

        # uvloop when it is installed (uvicorn[standard]): the dashboard fan-out writes thousands
        # of frames a second, and the default loop's socket writes cost twice as much
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(serve())


def _loop_factory():
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
