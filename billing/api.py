from django.http import HttpRequest
from ninja import Field, Router, Schema

from .selectors import pricing_plans

router = Router(tags=["billing"])


class PlanOut(Schema):
    code: str
    name: str
    price_kopecks: int | None = Field(serialization_alias="priceKopecks")
    trial_days: int = Field(serialization_alias="trialDays")
    leads_per_month: int | None = Field(serialization_alias="leadsPerMonth")
    max_tenants: int | None = Field(serialization_alias="maxTenants")
    max_members: int | None = Field(serialization_alias="maxMembers")
    is_on_request: bool = Field(serialization_alias="isOnRequest")
    features: list[str]


@router.get("/billing/plans", response=list[PlanOut], by_alias=True, summary="listPlans")
def list_plans(request: HttpRequest):
    return list(pricing_plans())
