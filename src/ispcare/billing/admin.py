from django.contrib import admin

from .models import Invoice, Payment


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "kind", "amount", "amount_paid", "status", "due_date")
    list_filter = ("status", "kind")
    search_fields = ("number", "customer__number")
    readonly_fields = ("number", "amount_paid", "status", "paid_at")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("reference", "invoice", "amount", "method", "received_by", "received_at")
    list_filter = ("method",)
    search_fields = ("reference", "invoice__number")

    def has_change_permission(self, request, obj=None):
        return False  # payments are corrected by new records, never edited
