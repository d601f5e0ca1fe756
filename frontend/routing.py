from django.urls import path

from frontend.consumers import CaptureConsumer

websocket_urlpatterns = [
    path("ws/captures/<int:capture_id>/", CaptureConsumer.as_asgi()),
]
