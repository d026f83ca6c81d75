import time

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import host_of

STAFF_EMAIL, STAFF_PASSWORD = "staff@fastlead.ru", "Сотрудник-платформы-2026"


def code_for(device: TOTPDevice, steps: int = 0) -> str:
    """The code an authenticator app shows now (``steps`` of 30 s later or, negative, earlier)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def public_client() -> Client:
    return Client(HTTP_HOST=host_of())


def password_step(client: Client, email: str = STAFF_EMAIL, password: str = STAFF_PASSWORD, next_url: str = "/admin/"):
    return client.post("/admin/login/", {"username": email, "password": password, "next": next_url})
