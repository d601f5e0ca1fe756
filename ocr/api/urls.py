from rest_framework.routers import SimpleRouter

from ocr.api.views import CaptureViewSet, LabelTemplateViewSet

router = SimpleRouter()
router.register("captures", CaptureViewSet, basename="capture")
router.register("label-templates", LabelTemplateViewSet, basename="label-template")
urlpatterns = router.urls
