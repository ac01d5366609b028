from django.contrib import admin

from petitions import services
from petitions.models import Category, DeadlinePolicy, Petition


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Edits go through the services (the forms' choice lists are drawn again after them)."""

    list_display = ["code", "name_zh", "name_en", "default_unit_kind", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["code", "name_zh", "name_en"]

    def save_model(self, request, obj, form, change):
        services.category_save(category=obj)

    def delete_model(self, request, obj):
        services.category_delete(category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            services.category_delete(category=category)


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ["klass", "category", "accept_hours", "update_days", "meeting_days", "resolve_days", "warn_fraction"]
    list_filter = ["klass"]


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    """Read-only: petitions change only through the services (the closed loop), never by hand."""

    list_display = ["tracking_code", "title", "status", "klass", "level", "region", "unit", "created_at"]
    list_filter = ["status", "klass", "channel", "level"]
    search_fields = ["tracking_code"]
    show_full_result_count = False
    list_select_related = ["region", "unit"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
