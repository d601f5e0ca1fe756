from django.contrib import admin

from integrations.models import Delivery, EpcisQuery, EpcisSubscription, PartTrigger, Webhook


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "webhook", "status", "attempts", "last_status", "created_at"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PartTrigger)
class PartTriggerAdmin(admin.ModelAdmin):
    list_display = ["part_id", "station", "trigger_id", "status", "received_at", "capture"]
    list_filter = ["status", "station"]
    search_fields = ["part_id", "trigger_id"]
    readonly_fields = [f.name for f in PartTrigger._meta.fields]


@admin.register(EpcisQuery)
class EpcisQueryAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]


@admin.register(EpcisSubscription)
class EpcisSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["query", "url", "stream", "cursor", "last_run_at"]
    readonly_fields = ["cursor", "last_run_at"]
