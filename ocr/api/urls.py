from django.urls import path
from rest_framework.routers import SimpleRouter

from ocr.api.views import CaptureViewSet, DashboardView, LabelTemplateViewSet, PrintQualityView

router = SimpleRouter()
router.register("captures", CaptureViewSet, basename="capture")
router.register("label-templates", LabelTemplateViewSet, basename="label-template")
urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="dashboard-stats"),
    path("print-quality/", PrintQualityView.as_view(), name="print-quality"),
    *router.urls,
]
