"""What leads announces to the feature apps above it (they subscribe in their ``AppConfig.ready``)."""

from django.dispatch import Signal

# Sent with ``lead`` by the outbox handler of a new lead, inside its transaction, in the lead's schema.
lead_accepted = Signal()
