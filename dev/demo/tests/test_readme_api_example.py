"""README's API example ("Accounts, logins and the API") run as written against the seeded demo workspace."""

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from billing.models import Subscription
from dev.demo.services import seed_demo

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[3] / "README.md"


def readme_api_example() -> list[list[str]]:
    """The curl commands of the sh block under "API tokens", split as the shell splits them."""
    section = README.read_text().split("**API tokens.**", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README's API example is gone"
    script = block.group(1).replace("\\\n", " ")
    login_line, leads_line = (line.strip() for line in script.splitlines() if "curl" in line)
    login_curl = re.search(r"\$\((curl .*?) \|", login_line)
    assert login_curl, login_line
    return [shlex.split(login_curl.group(1)), shlex.split(leads_line)]


def curl(command: list[str], variables: dict[str, str]):
    """What `curl -s [-H …] [-d …] URL` sends, through Django's test client (the Host header decides the site)."""
    headers: dict[str, str] = {}
    data = None
    args = iter(command[1:])
    url = ""
    for arg in args:
        if arg == "-s":
            continue
        if arg == "-H":
            name, value = next(args).split(":", 1)
            headers[name.strip().lower()] = re.sub(r"\$(\w+)", lambda m: variables[m.group(1)], value.strip())
        elif arg == "-d":
            data = next(args)
        else:
            url = arg
    parts = urlsplit(url)
    client = Client(HTTP_HOST=headers.pop("host", parts.netloc))
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()
             if name != "content-type"}
    if data is None:
        return client.get(parts.path, **extra)
    return client.post(parts.path, data, content_type=headers.get("content-type", "application/json"), **extra)


def test_the_readme_api_example_lists_the_demo_leads():
    seed_demo()
    login, leads = readme_api_example()
    assert "demo.localhost" in " ".join(leads)

    logged_in = curl(login, {})
    assert logged_in.status_code == 200, logged_in.content
    token = logged_in.json()["accessToken"]
    listed = curl(leads, {"TOKEN": token})

    assert listed.status_code == 200, listed.content.decode()
    assert listed.json()["total"] > 0
    subscription = Subscription.objects.select_related("plan").get(account__owner__email="demo@fastlead.ru")
    assert subscription.plan.allows_api
    assert json.loads(login[login.index("-d") + 1])["email"] == "demo@fastlead.ru"
