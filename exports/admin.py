from django.contrib import admin

from exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """The export log, read-only: who exported what, with which filters, how many rows, masked or not."""

    list_display = ["created_at", "user", "kind", "format", "status", "streamed", "masked", "total_rows", "attempt"]
    list_filter = ["kind", "format", "status", "streamed", "masked"]
    search_fields = ["user__username", "user__full_name"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    show_full_result_count = False
    ordering = ["-created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
