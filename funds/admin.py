"""Read-mostly admin for the funds: the ledger is written only through the services."""

from django.contrib import admin

from funds.models import Donor, Fund, PanelMember


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "purpose")
    list_filter = ("kind",)
    search_fields = ("name", "purpose")
    raw_id_fields = ("region", "donor")


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "consent_public")
    search_fields = ("name",)
    raw_id_fields = ("region",)


@admin.register(PanelMember)
class PanelMemberAdmin(admin.ModelAdmin):
    list_display = ("fund", "user", "represents", "active")
    raw_id_fields = ("fund", "user")
