from django.contrib import admin

from ocr.models import Capture, LabelTemplate, Reading, ReadingJob, StoredImage


@admin.register(StoredImage)
class StoredImageAdmin(admin.ModelAdmin):
    list_display = ("sha256", "mime_type", "width", "height", "size_bytes", "created_at")
    readonly_fields = [f.name for f in StoredImage._meta.fields]


@admin.register(Capture)
class CaptureAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "source", "station", "uploaded_by", "unit", "lot")
    list_filter = ("source", "station")
    list_select_related = ("station", "uploaded_by", "unit", "lot")
    raw_id_fields = ("image", "unit", "lot")


@admin.register(ReadingJob)
class ReadingJobAdmin(admin.ModelAdmin):
    list_display = ("id", "capture", "status", "engine", "attempts", "error_code", "finished_at")
    list_filter = ("status", "engine")


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    list_display = ("capture", "engine", "engine_version", "created_at")


@admin.register(LabelTemplate)
class LabelTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "label_type", "product", "supplier", "min_confidence", "active", "updated_at")
    list_filter = ("active", "label_type")
    search_fields = ("name", "product__part_number", "supplier__name")
