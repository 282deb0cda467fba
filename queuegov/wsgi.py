"""WSGI entry point for gunicorn (``gunicorn queuegov.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "queuegov.settings")

application = get_wsgi_application()
