from rest_framework.routers import SimpleRouter

from ocr.api.views import CaptureViewSet

router = SimpleRouter()
router.register("captures", CaptureViewSet, basename="capture")
urlpatterns = router.urls
