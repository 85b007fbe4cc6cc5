from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "to", "template_key", "status", "attempts", "sent_at")
    list_filter = ("channel", "status", "template_key")
    search_fields = ("to", "subject")
    readonly_fields = [f.name for f in Notification._meta.fields]
