import hashlib

import bcrypt
import pytest

from shared_apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_passwords_are_bcrypt_with_cost_12():
    user = User.objects.create_user("Olga@Example.RU", "верный-пароль-2026")

    algorithm, bcrypt_hash = user.password.split("$", 1)
    assert algorithm == "bcrypt_sha256"
    assert bcrypt_hash.startswith("$2b$12$")
    prehashed = hashlib.sha256("верный-пароль-2026".encode()).hexdigest().encode()
    assert bcrypt.checkpw(prehashed, bcrypt_hash.encode())
    assert user.check_password("верный-пароль-2026")
    assert not user.check_password("неверный-пароль")


def test_email_is_the_login_and_is_normalised():
    user = User.objects.create_user("Olga@Example.RU")
    assert user.email == "olga@example.ru"
    assert User.USERNAME_FIELD == "email"
    assert not user.has_usable_password()
