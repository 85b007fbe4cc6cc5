"""Admin for the administrator role: read-mostly; state changes go through the services."""

from django.contrib import admin

from .models import Application, CoverageArea, Customer, Equipment, Event, Plan, Subscription


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "speed_mbps",
        "monthly_price",
        "installation_fee",
        "deposit",
        "is_active",
    )
    list_editable = ("is_active",)


@admin.register(CoverageArea)
class CoverageAreaAdmin(admin.ModelAdmin):
    list_display = ("city", "kecamatan", "kelurahan", "postcode")
    search_fields = ("city", "kecamatan", "kelurahan", "postcode")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("reference", "full_name", "nik_masked", "phone", "plan", "status", "created_at")
    list_filter = ("status", "plan", "in_coverage")
    search_fields = ("reference", "full_name", "phone", "email")
    readonly_fields = ("status", "reviewed_by", "reviewed_at", "consent_at", "reference")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("number", "full_name", "nik_masked", "phone", "email", "created_at")
    search_fields = ("number", "full_name", "phone", "email")
    readonly_fields = ("number", "user", "application")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("customer", "plan", "state", "state_changed_at", "pppoe_username")
    list_filter = ("state", "plan")
    search_fields = ("customer__number", "pppoe_username")
    readonly_fields = (
        "state",
        "state_changed_at",
        "state_reason",
        "installed_at",
        "deposit_paid_at",
        "activated_at",
    )


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "customer", "actor_label", "from_state", "to_state")
    list_filter = ("kind",)
    search_fields = ("customer__number", "actor_label")

    def has_change_permission(self, request, obj=None):
        return False  # the audit trail is append-only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ("serial", "kind", "model_name", "mac", "status", "subscription")
    list_filter = ("status", "kind")
    search_fields = ("serial", "mac")
    readonly_fields = ("status", "subscription", "installed_at")
