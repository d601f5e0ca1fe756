from django.urls import path
from rest_framework.routers import SimpleRouter

from inspection.api.defects import (
    DefectCheckViewSet,
    DefectInspectionViewSet,
    DefectRatesView,
    TrainingJobViewSet,
)
from inspection.api.labelling import AnnotationViewSet, DefectClassViewSet
from inspection.api.meters import (
    AlertRuleViewSet,
    AlertViewSet,
    DisplayViewSet,
    EquipmentViewSet,
    MeterReadingViewSet,
    TicketViewSet,
)
from inspection.api.records import DraftViewSet, PlanViewSet, RecordViewSet
from inspection.api.sorting import SortDecisionViewSet, SortRuleViewSet
from inspection.api.views import VerificationViewSet

router = SimpleRouter()
router.register("verifications", VerificationViewSet, basename="verification")
router.register("defect-checks", DefectCheckViewSet, basename="defect-check")
router.register("defect-inspections", DefectInspectionViewSet, basename="defect-inspection")
router.register("training-jobs", TrainingJobViewSet, basename="training-job")
router.register("inspection-plans", PlanViewSet, basename="inspection-plan")
router.register("inspection-records", RecordViewSet, basename="inspection-record")
router.register("defect-classes", DefectClassViewSet, basename="defect-class")
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register("inspection-drafts", DraftViewSet, basename="inspection-draft")
router.register("sort-rules", SortRuleViewSet, basename="sort-rule")
router.register("sort-decisions", SortDecisionViewSet, basename="sort-decision")
router.register("equipment", EquipmentViewSet, basename="equipment")
router.register("displays", DisplayViewSet, basename="display")
router.register("meter-readings", MeterReadingViewSet, basename="meter-reading")
router.register("alert-rules", AlertRuleViewSet, basename="alert-rule")
router.register("alerts", AlertViewSet, basename="alert")
router.register("maintenance-tickets", TicketViewSet, basename="maintenance-ticket")
urlpatterns = [path("defect-rates/", DefectRatesView.as_view(), name="defect-rates"), *router.urls]
