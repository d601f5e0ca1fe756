from django.urls import path
from rest_framework.routers import SimpleRouter

from integrations.api.erp import ExportView, ImportView
from integrations.api.views import DeliveryViewSet, PartTriggerViewSet, WebhookViewSet

router = SimpleRouter()
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("part-triggers", PartTriggerViewSet, basename="part-trigger")
router.register("webhook-deliveries", DeliveryViewSet, basename="webhook-delivery")
urlpatterns = [
    path("imports/<str:kind>/", ImportView.as_view(), name="erp-import"),
    path("exports/<str:kind>.<str:ext>", ExportView.as_view(), name="erp-export"),
    *router.urls,
]
