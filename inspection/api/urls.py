from rest_framework.routers import SimpleRouter

from inspection.api.views import VerificationViewSet

router = SimpleRouter()
router.register("verifications", VerificationViewSet, basename="verification")
urlpatterns = router.urls
