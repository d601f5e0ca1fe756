from django.contrib import admin

from traceability.models import Line, Lot, Product, Site, Station, Supplier, Unit, WorkOrder


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
