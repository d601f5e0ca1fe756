"""The correlation id of the current request or job, carried into every event it writes."""

import contextvars
import uuid

correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="")


def current_correlation_id() -> str:
    return correlation_id.get()


class CorrelationIdMiddleware:
    """Takes ``X-Request-ID`` from the request (or makes one) and echoes it on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        value = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        token = correlation_id.set(value)
        try:
            response = self.get_response(request)
        finally:
            correlation_id.reset(token)
        response["X-Request-ID"] = value
        return response
