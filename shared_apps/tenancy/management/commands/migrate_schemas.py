from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from core.database import session_timeouts
from shared_apps.tenancy.services import ensure_platform_tenants


class Command(MigrateSchemasCommand):
    """django-tenants' ``migrate_schemas``, then the public tenant and the template schema.

    The template is a registered tenant, so the tenant pass above already
    migrated it; on an empty database it is created here, fully migrated.
    """

    def handle(self, *args, **options):
        # No statement limit (a migration may rewrite a big table) but a bounded wait for locks.
        with session_timeouts("migration"):
            super().handle(*args, **options)
            if self.sync_public and not options.get("plan") and not options.get("check_unapplied"):
                ensure_platform_tenants()
