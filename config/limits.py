"""Limits on every HTTP request body, applied in front of Django (which reads a whole body
before any view runs, with no limit on the size of uploaded files or on how long it waits).

- a Content-Length over ``MAX_REQUEST_BYTES`` is answered 413 before a byte of the body is read;
- a body without one (chunked) is counted as it arrives and refused at the same size;
- a body that stalls for ``UPLOAD_IDLE_SECONDS``, or is still arriving after ``UPLOAD_SECONDS``,
  is answered 408: a client trickling bytes cannot hold a connection and a worker's memory.

Each refusal is a JSON body with ``detail`` and ``code``, like the API's own errors."""

import asyncio
import json
import logging

logger = logging.getLogger(__name__)


class RequestLimits:
    def __init__(self, app, *, max_bytes: int, idle_seconds: float, total_seconds: float):
        self.app = app
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds
        self.total_seconds = total_seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await self._refuse(
                scope, send, 413, self._too_large(length.decode("latin-1")), "too_large"
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.total_seconds
        state = {"received": 0, "complete": False, "refused": None, "started": False}

        async def limited_receive():
            if state["refused"]:
                return {"type": "http.disconnect"}
            if state["complete"]:  # the body is in: Django's wait for a disconnect is not timed
                return await receive()
            try:
                timeout = max(0.0, min(self.idle_seconds, deadline - loop.time()))
                message = await asyncio.wait_for(receive(), timeout=timeout)
            except TimeoutError:
                state["refused"] = (
                    408,
                    f"The request body stalled or took over {self.total_seconds:g} s; send it again.",
                    "upload_timeout",
                )
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                state["complete"] = not message.get("more_body", False)
                if state["received"] > self.max_bytes:
                    state["refused"] = (413, self._too_large(f"over {self.max_bytes}"), "too_large")
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message):
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, limited_receive, tracked_send)
        if state["refused"] and not state["started"]:
            await self._refuse(scope, send, *state["refused"])

    def _too_large(self, size: str) -> str:
        return f"The request is {size} bytes; the limit is {self.max_bytes:,} bytes."

    async def _refuse(self, scope, send, status: int, detail: str, code: str) -> None:
        client = (scope.get("client") or ("?",))[0]
        logger.warning("%s %s from %s refused: %s", scope.get("method"), scope.get("path"), client, code)
        body = json.dumps({"detail": detail, "code": code}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
