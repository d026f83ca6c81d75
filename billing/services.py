from .models import Plan
from .plans import PLANS


def sync_plans() -> None:
    """Write the catalogue of plans (billing/plans.py) into the database."""
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults={k: v for k, v in plan.items() if k != "code"})
