"""The operations layer above jobs and events: health, metrics, the dashboard,
retention, the volume indexes and the demo (docs/architecture.md, "Layers").

The governance core (the rest of ``queuegov``) imports nothing from here or
from the apps; this package may import any of them.
"""
