from django.contrib import admin

from inspection.models import ComplianceRule, LabelVerification


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(admin.ModelAdmin):
    list_display = ["product", "name", "kind", "pattern", "active"]
    list_filter = ["kind", "active"]


@admin.register(LabelVerification)
class LabelVerificationAdmin(admin.ModelAdmin):
    """Read-only: a verification is evidence."""

    list_display = ["id", "created_at", "ok", "unit", "lot", "station"]
    list_filter = ["ok"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
