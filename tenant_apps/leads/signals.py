"""What leads announces to the feature apps above it (they subscribe in their ``AppConfig.ready``)."""

from django.dispatch import Signal

# Sent with ``lead`` by the outbox handler of a new lead, inside its transaction, in the lead's schema.
lead_accepted = Signal()

# Sent with ``lead`` and ``previous_status`` (None for a new lead) whenever a lead is created or its status,
# first contact or booking changes, inside the change's transaction, in the lead's schema: what analytics
# keeps its per-day figures by.
lead_changed = Signal()

# Sent with ``lead``, ``actor`` (a user) and ``comment`` when a member escalates a lead, inside the transaction:
# the alerts tell the workspace's admins.
lead_escalated = Signal()
