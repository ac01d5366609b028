from django.contrib import admin

from volunteers.models import Membership, Organisation, ServiceType, Volunteer


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order", "active")
    list_editable = ("order", "active")


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ("volunteer",)
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region")
    list_filter = ("kind",)
    search_fields = ("name",)
    raw_id_fields = ("region",)
    inlines = [MembershipInline]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    """Numbers and regions only: personal data is read on the portal's page, where reveals are logged."""

    list_display = ("number", "region", "created_at")
    search_fields = ("number",)
    fields = ("number", "region", "skills", "insured_until", "consent_version")
    readonly_fields = ("number", "consent_version")
    raw_id_fields = ("region",)
