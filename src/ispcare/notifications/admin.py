from django.contrib import admin

from .models import BulkSend, Notification, TemplateOverride


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "to", "template_key", "status", "attempts", "sent_at")
    list_filter = ("channel", "status", "template_key")
    search_fields = ("to", "subject", "recipient_name")
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(BulkSend)
class BulkSendAdmin(admin.ModelAdmin):
    list_display = ("created_at", "title", "template_key", "status", "total")
    readonly_fields = [f.name for f in BulkSend._meta.fields]


@admin.register(TemplateOverride)
class TemplateOverrideAdmin(admin.ModelAdmin):
    list_display = ("key", "language", "updated_at", "updated_by")
