"""Admin for the administrator role: canned replies are edited here; conversations, messages
and tickets are read-only (they change through the services, which keep the history)."""

from django.contrib import admin

from .models import CannedReply, ChatMessage, Conversation, Ticket, TicketUpdate


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("shortcut", "title")
    search_fields = ("shortcut", "title", "text_id", "text_en")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageInline(admin.TabularInline):
    model = ChatMessage
    fields = ("created_at", "author_kind", "author", "body", "attachment")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(_ReadOnly):
    list_display = ("id", "customer", "visitor_name", "status", "claimed_by", "waiting_since")
    list_filter = ("status",)
    search_fields = ("customer__number", "customer__full_name", "visitor_name", "visitor_phone")
    exclude = ("visitor_key",)  # the visitor's secret stays out of screens
    inlines = [MessageInline]


class UpdateInline(admin.TabularInline):
    model = TicketUpdate
    fields = ("created_at", "kind", "public", "author", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(_ReadOnly):
    list_display = ("number", "kind", "priority", "status", "customer", "assignee", "created_at")
    list_filter = ("kind", "priority", "status", "source")
    search_fields = ("number", "subject", "customer__number", "contact_phone")
    inlines = [UpdateInline]
