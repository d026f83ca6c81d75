"""What tenancy announces to the layers above it (they subscribe in their AppConfig.ready)."""

from django.dispatch import Signal

# Sent with ``tenant`` inside the provisioning transaction: a receiver that fails undoes the workspace.
tenant_provisioned = Signal()
