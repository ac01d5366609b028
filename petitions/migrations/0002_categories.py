"""The petition categories a district starts with (admins edit them afterwards)."""

from django.db import migrations

CATEGORIES = [
    # code, Chinese, English, usual unit kind, Open311 description
    ("road", "道路设施", "Roads and pavements", "urban_management", "Potholes, broken pavements, road signs"),
    ("street_light", "路灯照明", "Street lighting", "urban_management", "A street light is out or flickering"),
    ("sanitation", "环境卫生", "Sanitation and litter", "urban_management", "Litter, overflowing bins, dirty areas"),
    ("parking", "停车秩序", "Parking", "police", "Illegal or obstructive parking"),
    ("noise", "噪声扰民", "Noise", "police", "Noise from building sites, shops or neighbours"),
    ("water", "供水排水", "Water and drains", "water", "No water, leaks, blocked drains"),
    ("power", "供电", "Power supply", "power", "Power cuts and electrical hazards"),
    ("property", "物业管理", "Property management", "property", "Lifts, security, shared spaces of a compound"),
    ("housing", "房屋安全", "Building safety", "housing", "Cracks, leaks or dangerous structures"),
    ("greenery", "绿化养护", "Greenery", "urban_management", "Trees, lawns and green spaces"),
    ("elderly", "养老助老", "Care for the elderly", "civil_affairs", "Help for elderly residents"),
    ("neighbourhood", "邻里纠纷", "Neighbour disputes", "other", "Disputes between neighbours"),
    ("other", "其他", "Other", "other", "Anything else"),
]


def add(apps, schema_editor):
    Category = apps.get_model("petitions", "Category")
    for code, zh, en, unit_kind, description in CATEGORIES:
        Category.objects.get_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "default_unit_kind": unit_kind, "open311_description": description},
        )


def remove(apps, schema_editor):
    apps.get_model("petitions", "Category").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
