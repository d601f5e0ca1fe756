from django.contrib import admin

from traceability.models import (
    Line,
    Lot,
    Product,
    Recall,
    ReturnCase,
    Shipment,
    Site,
    Station,
    Supplier,
    TraceEvent,
    Unit,
    WorkOrder,
)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Line)
class LineAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "site")


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "line", "sequence")
    list_filter = ("line",)


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("part_number", "name", "gtin", "revision")
    search_fields = ("part_number", "gtin", "name")


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "product", "line", "quantity", "status")


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = ("code", "product", "supplier", "status", "expires_on")
    list_filter = ("status",)
    search_fields = ("code",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("serial", "product", "lot", "status", "station")
    list_filter = ("status",)
    search_fields = ("serial",)
    list_select_related = ("product", "lot", "station")


@admin.register(TraceEvent)
class TraceEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by services alone."""

    list_display = ("id", "event_time", "code", "event_type", "unit", "lot", "station", "actor_name")
    list_filter = ("code", "event_type")
    search_fields = ("event_id", "correlation_id", "actor_name")
    list_select_related = ("unit", "lot", "station")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Recall)
class RecallAdmin(admin.ModelAdmin):
    list_display = ("number", "status", "opened_at", "opened_by", "closed_at")
    readonly_fields = [f.name for f in Recall._meta.fields]

    def has_add_permission(self, request):
        return False  # opened through the recall workflow, which holds the affected units


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "status", "created_at"]
    filter_horizontal = ["units"]


@admin.register(ReturnCase)
class ReturnCaseAdmin(admin.ModelAdmin):
    """Cases change through their services (API and pages), so each step has its event."""

    list_display = ["number", "unit", "reason", "disposition", "status", "opened_at"]
    list_filter = ["status", "reason", "disposition"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
