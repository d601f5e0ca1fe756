from django.urls import path
from rest_framework.routers import SimpleRouter

from integrations.api import epcis
from integrations.api.documents import SupplierDocumentViewSet
from integrations.api.erp import ExportView, ImportView
from integrations.api.views import DeliveryViewSet, PartTriggerViewSet, WebhookViewSet

router = SimpleRouter()
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("supplier-documents", SupplierDocumentViewSet, basename="supplier-document")
router.register("part-triggers", PartTriggerViewSet, basename="part-trigger")
router.register("webhook-deliveries", DeliveryViewSet, basename="webhook-delivery")
urlpatterns = [
    path("imports/<str:kind>/", ImportView.as_view(), name="erp-import"),
    path("exports/<str:kind>.<str:ext>", ExportView.as_view(), name="erp-export"),
    path("epcis/queries", epcis.QueriesView.as_view(), name="epcis-queries"),
    path("epcis/queries/<slug:name>", epcis.QueryView.as_view(), name="epcis-query"),
    path("epcis/queries/<slug:name>/events", epcis.QueryEventsView.as_view(), name="epcis-query-events"),
    path(
        "epcis/queries/<slug:name>/subscriptions",
        epcis.SubscriptionsView.as_view(),
        name="epcis-subscriptions",
    ),
    path(
        "epcis/queries/<slug:name>/subscriptions/<int:pk>",
        epcis.SubscriptionView.as_view(),
        name="epcis-subscription",
    ),
    *router.urls,
]
