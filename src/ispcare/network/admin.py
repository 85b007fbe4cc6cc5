from django.contrib import admin

from .models import AccessBackendState, CoaRequest, Nas, Node, SubscriberAccess


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "location")
    list_filter = ("kind",)
    search_fields = ("name", "location")


@admin.register(Nas)
class NasAdmin(admin.ModelAdmin):
    """Saving a NAS rewrites FreeRADIUS's client list (the `nas` table)."""

    list_display = ("node", "address", "vendor", "coa_port")

    def save_model(self, request, obj, form, change):
        from .services import nas_sync

        super().save_model(request, obj, form, change)
        nas_sync()

    def delete_model(self, request, obj):
        from .services import nas_sync

        super().delete_model(request, obj)
        nas_sync()


@admin.register(SubscriberAccess)
class SubscriberAccessAdmin(admin.ModelAdmin):
    list_display = ("username", "state", "profile", "nas", "version", "changed_at")
    list_filter = ("state",)
    search_fields = ("username",)
    readonly_fields = [f.name for f in SubscriberAccess._meta.fields]


@admin.register(AccessBackendState)
class AccessBackendStateAdmin(admin.ModelAdmin):
    list_display = ("access", "backend", "status", "applied_version", "attempts", "last_error")
    list_filter = ("backend", "status")


@admin.register(CoaRequest)
class CoaRequestAdmin(admin.ModelAdmin):
    list_display = ("created_at", "username", "kind", "state", "status", "attempts")
    list_filter = ("status", "kind")
    search_fields = ("username",)
