from rest_framework.routers import SimpleRouter

from integrations.api.views import DeliveryViewSet, PartTriggerViewSet, WebhookViewSet

router = SimpleRouter()
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("part-triggers", PartTriggerViewSet, basename="part-trigger")
router.register("webhook-deliveries", DeliveryViewSet, basename="webhook-delivery")
urlpatterns = router.urls
