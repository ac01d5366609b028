"""Admins keep the reference data of grid work: meeting kinds (local formats too) and the service
catalogue. Records of work (field days, meetings, visits, receptions) are made on the portal's pages."""

from django.contrib import admin

from grids.models import Region
from gridwork import services
from gridwork.models import MeetingKind, OpeningHours, ServiceCentre, ServiceItem, Station, StationMember


@admin.register(MeetingKind)
class MeetingKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "region", "is_joint", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    autocomplete_fields = ["region"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ServiceItemInline(admin.TabularInline):
    model = ServiceItem
    extra = 0
    fields = ["group", "order", "name", "documents", "time_limit", "where", "one_visit"]


@admin.register(ServiceCentre)
class ServiceCentreAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "address", "phone", "is_active"]
    search_fields = ["name", "address"]
    inlines = [OpeningHoursInline, ServiceItemInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":  # a centre serves a community (level 3)
            kwargs["queryset"] = Region.objects.filter(level=3).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.centre_save(centre=obj)


class StationMemberInline(admin.TabularInline):
    model = StationMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "compound", "founded_on", "is_active"]
    search_fields = ["name"]
    inlines = [StationMemberInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "compound":
            kwargs["queryset"] = Region.objects.filter(level=4).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.station_save(station=obj)
