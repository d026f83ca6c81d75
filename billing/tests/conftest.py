"""Fixtures shared by the billing tests."""

import pytest

from billing.services import start_trial


@pytest.fixture
def workspace(make_tenant, client_for, payment_sandbox):
    payment_sandbox.yookassa_webhook_url = "http://127.0.0.1:9/unreachable"  # we post notifications ourselves
    tenant = make_tenant()
    start_trial(tenant.account)
    return tenant, client_for(tenant, tenant.account.owner)
