"""Staff sign-in to the platform admin: password, then a TOTP code (or, the first time, enrolling the app)."""

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice import two_factor
from shared_apps.audit.models import AuditEntry

from .helpers import STAFF_EMAIL, STAFF_PASSWORD, code_for, password_step, public_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    return make_user(STAFF_EMAIL, STAFF_PASSWORD, is_staff=True, is_superuser=True)


@pytest.fixture
def enrolled(staff):
    return TOTPDevice.objects.create(user=staff, name="телефон", confirmed=True)


def test_the_admin_without_a_verified_device_sends_to_the_login(staff):
    client = public_client()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
    client.force_login(staff)  # a password (or any first factor) alone
    for path in ("/admin/", "/admin/accounts/account/", "/admin/metrics/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/admin/login/verify/?next=%2Fadmin%2F"


def test_first_sign_in_enrolls_the_app_with_a_qr_code_and_the_secret(staff):
    client = public_client()
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/verify/?next=%2Fadmin%2F"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Подключение приложения-аутентификатора" in html
    assert html.split('class="otp-qr"')[1].split(">", 1)[1].lstrip().startswith("<svg")  # the QR code, inline
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    assert two_factor.secret_of(device) in html
    assert client.get("/admin/login/verify/").content.decode().count(two_factor.secret_of(device)) == 1  # same one

    response = client.post("/admin/login/verify/", {"code": code_for(device), "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200
    entries = AuditEntry.objects.filter(actor_id=staff.pk, is_staff_action=True)
    assert sorted(entries.values_list("action", flat=True)) == ["auth.login", "auth.staff_otp_enrolled"]


def test_a_wrong_code_is_refused_in_russian_and_opens_nothing(staff, enrolled):
    client = public_client()
    password_step(client)
    page = client.get("/admin/login/verify/")
    assert "Введите шестизначный код" in page.content.decode()
    assert two_factor.secret_of(enrolled) not in page.content.decode()  # an enrolled secret is never shown again
    wrong = f"{(int(code_for(enrolled)) + 1) % 1_000_000:06d}"
    response = client.post("/admin/login/verify/", {"code": wrong})
    assert response.status_code == 400
    assert "Неверный код" in response.content.decode()
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert AuditEntry.objects.filter(action="auth.login_failed", actor_id=staff.pk, is_staff_action=True).exists()
    assert client.post("/admin/login/verify/", {"code": "12ab56"}).status_code == 400


def test_a_code_one_step_off_is_accepted_two_steps_off_refused(staff, enrolled):
    client = public_client()
    password_step(client)
    assert client.post("/admin/login/verify/", {"code": code_for(enrolled, -2)}).status_code == 400
    assert client.post("/admin/login/verify/", {"code": code_for(enrolled, 2)}).status_code == 400
    assert client.post("/admin/login/verify/", {"code": code_for(enrolled, -1)}).status_code == 302
    assert client.get("/admin/").status_code == 200
    other = public_client()
    password_step(other)
    # The step already used (or an earlier one) never opens a second session.
    assert other.post("/admin/login/verify/", {"code": code_for(enrolled, -1)}).status_code == 400


def test_wrong_codes_are_rate_limited(staff, enrolled):
    client = public_client()
    password_step(client)
    for _ in range(5):
        assert client.post("/admin/login/verify/", {"code": "000000" if code_for(enrolled) != "000000"
                                                    else "111111"}).status_code == 400
    refused = client.post("/admin/login/verify/", {"code": code_for(enrolled)})
    assert refused.status_code == 429
    assert "Слишком много неверных кодов. Попробуйте снова через" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert client.get("/admin/").status_code == 302


def test_people_who_are_not_staff_are_refused(make_user, client_for):
    customer = make_user("owner@shop.ru", "Владелец-магазина-2026")
    client = public_client()
    response = password_step(client, "owner@shop.ru", "Владелец-магазина-2026")
    assert response.status_code == 200
    assert "введите корректные e-mail и пароль" in response.content.decode()
    assert "_auth_user_id" not in client.session
    signed_in = client_for(None, customer)  # signed in on the public site as a customer
    assert signed_in.get("/admin/")["Location"].startswith("/admin/login/")
    assert signed_in.get("/admin/login/verify/")["Location"].startswith("/admin/login/")
    assert not TOTPDevice.objects.filter(user=customer).exists()


def test_password_guessing_is_limited_like_the_customers_login(staff):
    client = public_client()
    for _ in range(5):
        assert "корректные" in password_step(client, password="не-тот-пароль").content.decode()
    refused = password_step(client)  # even the right password waits now
    assert "Слишком много неудачных попыток входа" in refused.content.decode()


def test_the_reset_command_makes_the_next_sign_in_enroll_again(staff, enrolled, capsys):
    call_command("staff_otp_reset", STAFF_EMAIL)
    assert "сброшен" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(user=staff).exists()
    client = public_client()
    password_step(client)
    assert "Подключение приложения-аутентификатора" in client.get("/admin/login/verify/").content.decode()


def test_the_dev_command_prints_the_current_code(staff, enrolled, capsys):
    call_command("staff_otp_code", STAFF_EMAIL)
    printed = capsys.readouterr().out.strip()
    client = public_client()
    password_step(client)
    assert client.post("/admin/login/verify/", {"code": printed}).status_code == 302


def test_a_staff_member_at_the_code_step_can_sign_out_for_another_account(staff, enrolled):
    client = public_client()
    password_step(client)
    assert "_auth_user_id" in client.session
    assert client.post("/admin/logout/").status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/login/").status_code == 200  # the password step again


def test_a_wrong_password_is_a_failed_staff_sign_in_in_the_journal(staff):
    response = password_step(public_client(), password="не-тот-пароль")
    assert response.status_code == 200
    assert "корректные" in response.content.decode()
    password_step(public_client(), email="nobody@fastlead.ru", password="не-тот-пароль")
    failed = AuditEntry.objects.filter(action="auth.login_failed", is_staff_action=True).order_by("pk")
    assert [(entry.actor_id, entry.actor_label) for entry in failed] == [
        (staff.pk, STAFF_EMAIL), (None, "Неизвестный пользователь")]
    assert all(entry.details == {"via": "e-mail и пароль"} for entry in failed)
    assert "не-тот-пароль" not in str([entry.details for entry in failed])
