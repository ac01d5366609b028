from django.contrib import admin

from core.models import WorkingDay


@admin.register(WorkingDay)
class WorkingDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working", "note"]
    list_editable = ["is_working", "note"]
    list_filter = ["is_working"]
    date_hierarchy = "date"
    search_fields = ["note"]
