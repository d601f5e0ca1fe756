from django.urls import path

from frontend.consumers import CaptureConsumer, DashboardConsumer

websocket_urlpatterns = [
    path("ws/captures/<int:capture_id>/", CaptureConsumer.as_asgi()),
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
]
