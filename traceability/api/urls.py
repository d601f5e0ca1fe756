from django.urls import path
from rest_framework.routers import SimpleRouter

from traceability.api import views
from traceability.api.returns import ReturnCaseViewSet

router = SimpleRouter()
router.register("sites", views.SiteViewSet)
router.register("lines", views.LineViewSet)
router.register("stations", views.StationViewSet)
router.register("suppliers", views.SupplierViewSet)
router.register("products", views.ProductViewSet)
router.register("work-orders", views.WorkOrderViewSet)
router.register("lots", views.LotViewSet, basename="lot")
router.register("units", views.UnitViewSet, basename="unit")
router.register("recalls", views.RecallViewSet)
router.register("events", views.TraceEventViewSet, basename="event")
router.register("returns", ReturnCaseViewSet, basename="return-case")

urlpatterns = [
    *router.urls,
    path("wip/", views.WipView.as_view(), name="wip"),
    path("epcis/capture", views.EpcisCaptureView.as_view(), name="epcis-capture"),
    path("epcis/events", views.EpcisEventsView.as_view(), name="epcis-events"),
]
