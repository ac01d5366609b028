"""Read-only admin for the funds: every write goes through ``funds.services`` (the ledger's rules,
the audit), so the admin only looks."""

from django.contrib import admin

from funds.models import Donor, Fund, PanelMember, Project


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fund)
class FundAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "region", "purpose")
    list_filter = ("kind",)
    search_fields = ("name", "purpose")


@admin.register(Donor)
class DonorAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "consent_public")
    search_fields = ("name",)


@admin.register(PanelMember)
class PanelMemberAdmin(ReadOnlyAdmin):
    list_display = ("fund", "user", "represents", "active")


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("title", "applicant", "fund", "status", "approved_fen", "final_score")
    list_filter = ("status",)
