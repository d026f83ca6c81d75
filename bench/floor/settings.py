"""The floor: the project's settings with nothing but django-tenants' host routing and one ninja endpoint.

What any request of the app pays at least on this machine and this server (gunicorn, PostgreSQL, a tenant's
``search_path``): the bench measures it in the same run as the app's routes and reports their ratio to it.
"""

from config.settings import *  # noqa: F403

MIDDLEWARE = ["django_tenants.middleware.main.TenantMainMiddleware"]
ROOT_URLCONF = "bench.floor.urls"
PUBLIC_SCHEMA_URLCONF = "bench.floor.urls"
