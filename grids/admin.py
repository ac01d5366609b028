from django.contrib import admin
from django.core.exceptions import ValidationError

from core.errors import DomainError
from grids import services
from grids.models import HandlingUnit, Region, RoleAssignment


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "level", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "path"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["level", "path"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a node would rewrite its subtree's paths; only the name changes in place.
        return ["code", "kind", "parent", "level", "path"] if obj else ["level", "path"]

    def save_model(self, request, obj, form, change):
        try:
            if change:
                services.region_rename(region=obj, name=obj.name)
            else:
                created = services.region_create(name=obj.name, code=obj.code, kind=obj.kind, parent=obj.parent)
                obj.pk, obj.path, obj.level = created.pk, created.path, created.level
        except DomainError as exc:
            raise ValidationError(exc.message) from exc


@admin.register(HandlingUnit)
class HandlingUnitAdmin(admin.ModelAdmin):
    """Edits go through the services (the forms' choice lists are drawn again after them)."""

    list_display = ["name", "code", "kind", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    filter_horizontal = ["regions"]

    def save_model(self, request, obj, form, change):
        services.unit_save(unit=obj)

    def save_related(self, request, form, formsets, change):
        services.unit_save(unit=form.instance, regions=form.cleaned_data["regions"])

    def delete_model(self, request, obj):
        services.unit_delete(unit=obj)

    def delete_queryset(self, request, queryset):
        for unit in queryset:
            services.unit_delete(unit=unit)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "unit", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "region__name"]
    autocomplete_fields = ["user", "region", "unit"]
