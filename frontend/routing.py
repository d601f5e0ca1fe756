from django.urls import path

from frontend.consumers import CaptureConsumer, DashboardConsumer, EquipmentConsumer, StationConsumer

websocket_urlpatterns = [
    path("ws/captures/<int:capture_id>/", CaptureConsumer.as_asgi()),
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/equipment/", EquipmentConsumer.as_asgi()),
    path("ws/stations/<int:station_id>/", StationConsumer.as_asgi()),
]
