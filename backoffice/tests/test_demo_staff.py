"""`make run` users get into the platform admin: the demo staff member's known TOTP secret, printed by the demo data
command (and the Makefile's banner), and the dev command that prints the current code."""

from pathlib import Path

import pytest
from django.core.management import call_command

from dev.demo.services import ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOTP_SECRET

from .helpers import password_step, public_client

pytestmark = pytest.mark.django_db


def test_the_demo_staff_member_signs_in_with_the_printed_secret(capsys):
    call_command("seed_demo")
    assert ADMIN_TOTP_SECRET in capsys.readouterr().out
    assert ADMIN_TOTP_SECRET in (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    call_command("staff_otp_code", ADMIN_EMAIL)
    code = capsys.readouterr().out.strip()
    client = public_client()
    password_step(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert client.post("/admin/login/verify/", {"code": code}).status_code == 302
    assert client.get("/admin/").status_code == 200
