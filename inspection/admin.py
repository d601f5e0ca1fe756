from django.contrib import admin
from django.db import transaction

from inspection.models import (
    Alert,
    AlertRule,
    Annotation,
    ComplianceRule,
    DefectCheck,
    DefectClass,
    DefectInspection,
    Display,
    Equipment,
    InspectionPlan,
    InspectionRecord,
    LabelVerification,
    MaintenanceTicket,
    MeterReading,
    SortDecision,
    SortRule,
    TrainingJob,
)
from inspection.services.meters import announce_machine


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(admin.ModelAdmin):
    list_display = ["product", "name", "kind", "pattern", "active"]
    list_filter = ["kind", "active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Results are evidence: shown, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LabelVerification)
class LabelVerificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "ok", "unit", "lot", "station"]
    list_filter = ["ok"]


@admin.register(DefectCheck)
class DefectCheckAdmin(admin.ModelAdmin):
    list_display = ["product", "name", "method", "station", "model_name", "model_version", "active"]
    list_filter = ["method", "active"]


@admin.register(DefectInspection)
class DefectInspectionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "capture",
        "defect_check",
        "ok",
        "score",
        "model_name",
        "model_version",
    ]
    list_filter = ["method", "ok"]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin):
    list_display = ["product", "name", "scope", "station", "required_for_release", "active"]
    list_filter = ["scope", "active"]


@admin.register(InspectionRecord)
class InspectionRecordAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "plan", "unit", "lot", "passed", "inspector"]
    list_filter = ["passed"]


@admin.register(TrainingJob)
class TrainingJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "product", "model_name", "status", "epochs", "device"]
    list_filter = ["status"]


@admin.register(DefectClass)
class DefectClassAdmin(admin.ModelAdmin):
    list_display = ["product", "name"]
    list_filter = ["product"]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["id", "capture", "defect_class", "author", "created_at"]


@admin.register(SortRule)
class SortRuleAdmin(admin.ModelAdmin):
    list_display = ["product", "name", "station", "default_bin", "active"]


@admin.register(SortDecision)
class SortDecisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "capture", "station", "bin", "published_at"]


class DisplayInline(admin.TabularInline):
    model = Display
    extra = 0


class AnnouncesMachineAdmin(admin.ModelAdmin):
    """Each object saved or removed here tells the equipment lists on its machine's line (and
    on the line a moved one left), as the pages and the API do (``announce_machine``): once the
    admin's view, one transaction, commits. ``machine_of`` finds the machine."""

    machine_of = staticmethod(lambda obj: obj)

    def save_model(self, request, obj, form, change):
        was = self.machine_of(type(obj).objects.get(pk=obj.pk)).line if change else None
        super().save_model(request, obj, form, change)
        announce_machine(self.machine_of(obj), was)

    def delete_model(self, request, obj):
        announce_machine(self.machine_of(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # the "delete selected" action is not one of its own
            for obj in queryset:
                announce_machine(self.machine_of(obj))
            super().delete_queryset(request, queryset)


@admin.register(Equipment)
class EquipmentAdmin(AnnouncesMachineAdmin):
    """Machines with their displays."""

    list_display = ["code", "name", "line", "station"]
    search_fields = ["code", "name"]
    inlines = [DisplayInline]


@admin.register(AlertRule)
class AlertRuleAdmin(AnnouncesMachineAdmin):
    list_display = ["display", "name", "kind", "active"]
    list_filter = ["kind", "active"]
    machine_of = staticmethod(lambda rule: rule.display.equipment)


@admin.register(MeterReading)
class MeterReadingAdmin(ReadOnlyAdmin):
    list_display = ["display", "read_at", "value", "status", "confidence"]
    list_filter = ["status"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["display", "raised_at", "message"]


@admin.register(MaintenanceTicket)
class MaintenanceTicketAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "opened_at", "closed_at"]
    list_filter = ["status"]
