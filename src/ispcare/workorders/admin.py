from django.contrib import admin

from .models import WorkOrder


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("kind", "customer", "scheduled_date", "technician", "status")
    list_filter = ("kind", "status")
    readonly_fields = ("status", "completed_at")
