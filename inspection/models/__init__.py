from inspection.models.defects import DefectCheck, DefectInspection, Detection, TrainingJob
from inspection.models.labelling import Annotation, DefectClass
from inspection.models.meters import (
    Alert,
    AlertRule,
    Display,
    Equipment,
    MaintenanceTicket,
    MeterReading,
)
from inspection.models.records import InspectionDraft, InspectionPlan, InspectionRecord
from inspection.models.sorting import SortDecision, SortRule
from inspection.models.verification import ComplianceRule, LabelVerification

__all__ = [
    "Alert",
    "AlertRule",
    "Display",
    "Equipment",
    "MaintenanceTicket",
    "MeterReading",
    "Annotation",
    "DefectClass",
    "ComplianceRule",
    "DefectCheck",
    "DefectInspection",
    "Detection",
    "InspectionDraft",
    "InspectionPlan",
    "InspectionRecord",
    "LabelVerification",
    "SortDecision",
    "SortRule",
    "TrainingJob",
]
