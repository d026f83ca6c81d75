"""The development commands of dev/ (installed outside production only)."""

import pytest
from django.core.management import CommandError, call_command

from billing.models import Subscription
from billing.services import start_trial

pytestmark = pytest.mark.django_db


def test_end_trial_turns_a_trial_workspace_read_only(make_tenant, send_mail_now, capsys):
    tenant = make_tenant()
    Subscription.objects.filter(account=tenant.account).delete()
    start_trial(tenant.account)
    with send_mail_now():
        call_command("end_trial", tenant.slug)
    assert Subscription.objects.get(account=tenant.account).status == Subscription.Status.GRACE
    assert "Пробный период закончен" in capsys.readouterr().out
    with pytest.raises(CommandError, match="не на пробном периоде"):
        call_command("end_trial", tenant.slug)


def test_end_trial_names_a_missing_workspace():
    with pytest.raises(CommandError, match="не найдено"):
        call_command("end_trial", "no-such-workspace")
