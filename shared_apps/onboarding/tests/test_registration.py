"""Registration refuses what the database columns cannot hold, field by field, in Russian."""

import pytest

from shared_apps.accounts.services import FieldErrors
from shared_apps.onboarding.services import register_user

pytestmark = pytest.mark.django_db

PASSWORD = "Крепкий-пароль-2026"
LONG_EMAIL = "o" * 250 + "@romashka.ru"


def test_register_user_refuses_what_the_columns_cannot_hold():
    with pytest.raises(FieldErrors) as refused:
        register_user(email=LONG_EMAIL, password=PASSWORD, name="Ольга", company="Ромашка")
    assert refused.value.fields == {"email": "Не длиннее 254 символов."}
    with pytest.raises(FieldErrors) as refused:
        register_user(email="olga@romashka.ru", password="Ж" * 129, name="Ольга", company="Ромашка")
    assert refused.value.fields == {"password": "Не длиннее 128 символов."}
