from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from queuegov.ops.metrics import metrics
from queuegov.views import healthz

handler403 = "queuegov.views.permission_denied"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
