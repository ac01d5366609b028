from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's site (zhenhai/admin_site.py)."""

    default_site = "zhenhai.admin_site.PortalAdminSite"
