from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from queuegov.views import healthz

admin.site.site_header = "queuegov"
admin.site.site_title = "queuegov"
admin.site.index_title = "Queue governance"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
