from inspection.models.defects import DefectCheck, DefectInspection, Detection, TrainingJob
from inspection.models.labelling import Annotation, DefectClass
from inspection.models.records import InspectionDraft, InspectionPlan, InspectionRecord
from inspection.models.sorting import SortDecision, SortRule
from inspection.models.verification import ComplianceRule, LabelVerification

__all__ = [
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
