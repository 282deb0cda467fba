"""Django's admin app, with the operations dashboard as its index page."""

from django.contrib.admin.apps import AdminConfig


class QueuegovAdminConfig(AdminConfig):
    default_site = "queuegov.ops.admin_site.QueuegovAdminSite"
