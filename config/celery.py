import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Tasks run in the schema of the request that enqueued them (tenant-schemas-celery).
app = CeleryApp("fastlead")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
