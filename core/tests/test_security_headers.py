"""Security headers of HTML pages: a CSP that allows no eval, a Permissions-Policy, HSTS for the subdomains too."""

import pytest

pytestmark = pytest.mark.django_db

# Browser features the product never uses; the widget runs as a script in the customer's page (their policy
# governs it there) and the cabinet copies the snippet (clipboard-write stays allowed).
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi",
                   "display-capture")


def directive(policy: str, name: str) -> list[str]:
    parts = (part.split() for part in policy.split(";"))
    return next(part[1:] for part in parts if part and part[0] == name)


@pytest.fixture
def pages(client_for, make_user, make_tenant):
    """Every kind of HTML page: public, logged-in cabinet, the widget demo page, an error page."""
    owner = make_user()
    tenant = make_tenant(owner=owner)
    public, cabinet = client_for(), client_for(tenant, owner)
    return {
        "landing": public.get("/"),
        "login": public.get("/login"),
        "cabinet": cabinet.get("/widget"),
        "demo": public.get(f"/w/{tenant.widget_publication.public_key}/demo"),
        "404": public.get("/no-such-page"),
    }


def test_scripts_are_ours_only_and_never_evaluated_from_strings(pages):
    for name, response in pages.items():
        assert response["Content-Type"].startswith("text/html"), name
        script_src = directive(response["Content-Security-Policy"], "script-src")
        assert script_src == ["'self'"], (name, script_src)


def test_every_page_denies_the_browser_features_the_product_does_not_use(pages):
    for name, response in pages.items():
        policy = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
        for feature in DENIED_FEATURES:
            assert policy.get(feature) == "()", (name, feature)
        assert "clipboard-write" not in policy, "the cabinet's «Скопировать код» needs the clipboard"


def test_hsts_covers_the_workspace_subdomains_in_production(client_for, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client_for().get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_hsts_over_plain_http_or_when_turned_off(client_for, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert "Strict-Transport-Security" not in client_for().get("/")
    settings.SECURE_HSTS_SECONDS = 0
    assert "Strict-Transport-Security" not in client_for().get("/", secure=True)
