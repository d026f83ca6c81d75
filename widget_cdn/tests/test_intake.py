"""The public lead intake: origins, validation, consent evidence, anti-spam, limits."""

import json

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from billing.models import Plan, Subscription
from core.ratelimit import TokenBucket
from tenant_apps.leads.models import ConsentRecord, Lead, LeadEvent
from widget_cdn import intake

pytestmark = pytest.mark.django_db

SITE = "https://ulybka-dent.ru"


@pytest.fixture
def widget(make_tenant):
    tenant = make_tenant(name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    publication = tenant.widget_publication
    return tenant, publication.public_key, publication.config["consent"]["version"]


def lead_body(consent_version: str, **overrides) -> dict:
    return {"name": "Анна", "phone": "8 (916) 123-45-67", "email": "", "preferredChannel": "web",
            "consentPersonalData": True, "consentMarketing": False, "consentVersion": consent_version,
            "pageUrl": f"{SITE}/uslugi?utm_source=yandex", "utm": {"source": "yandex", "medium": "cpc",
                                                               "campaign": "implant", "term": "", "content": ""},
            "website": "", **overrides}


def post(key: str, body, origin: str = SITE, ip: str = "198.51.100.7"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client(HTTP_HOST="localhost", REMOTE_ADDR=ip).post(
        f"/w/{key}/leads", data, content_type="application/json", headers={"Origin": origin, "User-Agent": "Test/1.0"}
    )


def test_a_lead_is_created_with_consent_evidence(widget, send_mail_now):
    tenant, key, consent_version = widget
    response = post(key, lead_body(consent_version, topic="Записаться"))
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == SITE
    body = response.json()
    assert body["message"] == "Спасибо! Мы свяжемся с вами в ближайшее время."
    with tenant_context(tenant):
        lead = Lead.objects.get(pk=body["leadId"])
        assert (lead.phone, lead.status, lead.utm_source, lead.utm_campaign) == ("+79161234567", "new", "yandex",
                                                                                 "implant")
        consent = ConsentRecord.objects.get(lead=lead)
        assert consent.consent_version == consent_version
        assert "152-ФЗ" in consent.consent_text
        assert (consent.ip, consent.user_agent, consent.page_url) == ("198.51.100.7", "Test/1.0",
                                                                      f"{SITE}/uslugi?utm_source=yandex")
        first_event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.CREATED)
        assert first_event.text == "Заявка получена · тема: Записаться"


def test_www_of_an_allowed_domain_is_allowed(widget):
    _, key, consent_version = widget
    assert post(key, lead_body(consent_version), origin="https://www.ulybka-dent.ru").status_code == 201


@pytest.mark.parametrize("origin", ["https://evil.example", "https://ulybka-dent.ru.evil.example", ""])
def test_other_origins_are_refused_and_nothing_is_stored(widget, origin):
    tenant, key, consent_version = widget
    response = post(key, lead_body(consent_version), origin=origin)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    with tenant_context(tenant):
        assert not Lead.objects.exists()


def test_preflight_answers_for_the_browser(widget):
    _, key, _ = widget
    response = Client(HTTP_HOST="localhost").options(f"/w/{key}/leads", headers={"Origin": SITE})
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SITE
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert response["Access-Control-Allow-Headers"] == "Content-Type"


@pytest.mark.parametrize(("overrides", "field", "fragment"), [
    ({"name": "  "}, "name", "Как к вам обращаться"),
    ({"phone": "12345"}, "phone", "+7 912 345-67-89"),
    ({"phone": "+7 000 000-00-00"}, "phone", "Проверьте номер телефона"),
    ({"phone": "+123456789012345"}, "phone", "Проверьте номер телефона"),
    ({"phone": "٠٠٠٠٠٠٠٠٠٠٠"}, "phone", "Проверьте номер телефона"),
    ({"phone": "", "email": ""}, "phone", "телефон или e-mail"),
    ({"email": "not-an-email"}, "email", "Проверьте e-mail"),
    ({"consentPersonalData": False}, "consentPersonalData", "согласия"),
    ({"consentVersion": "c-forged"}, "consentPersonalData", "Обновите страницу"),
    ({"preferredChannel": "telegram"}, "preferredChannel", "способ связи"),
])
def test_validation_errors_are_per_field_russian_and_store_nothing(widget, overrides, field, fragment):
    tenant, key, consent_version = widget
    response = post(key, lead_body(consent_version, **overrides))
    assert response.status_code == 400
    assert fragment in response.json()["error"]["fields"][field]
    with tenant_context(tenant):
        assert not Lead.objects.exists()


@pytest.mark.parametrize(("raw", "e164"), [("+7 916 123-45-67", "+79161234567"), ("89161234567", "+79161234567"),
                                          ("9161234567", "+79161234567"), ("7 (916) 123 45 67", "+79161234567"),
                                          ("+49 151 1234 5678", "+4915112345678"),
                                          ("+٧ ٩١٦ ١٢٣ ٤٥ ٦٧", "+79161234567"),
                                          ("８ ９１６ １２３ ４５ ６７", "+79161234567")])
def test_phone_numbers_are_normalized_to_e164(widget, raw, e164):
    tenant, key, consent_version = widget
    lead_id = post(key, lead_body(consent_version, phone=raw)).json()["leadId"]
    with tenant_context(tenant):
        assert Lead.objects.get(pk=lead_id).phone == e164


def test_honeypot_gets_the_same_answer_and_stores_nothing(widget):
    tenant, key, consent_version = widget
    response = post(key, lead_body(consent_version, website="http://spam.example"))
    assert response.status_code == 201
    assert response.json()["leadId"] is None
    with tenant_context(tenant):
        assert not Lead.objects.exists()


def test_body_over_16_kb_is_refused(widget):
    _, key, consent_version = widget
    response = post(key, lead_body(consent_version, name="А" * 17000))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_bad_json_is_a_400(widget):
    _, key, _ = widget
    response = post(key, "{not json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json_invalid"


def test_per_ip_rate_limit(widget):
    _, key, consent_version = widget
    statuses = [post(key, lead_body(consent_version)).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429]
    assert post(key, lead_body(consent_version), ip="198.51.100.8").status_code == 201


def test_a_campaign_burst_from_many_addresses_goes_through_up_to_the_allowance(widget, monkeypatch):
    """Many visitors at once are taken up to the workspace's burst allowance (here 5, refilled at 1 a minute), then
    refused with a Russian message and when to retry; one address alone still stops at its own limit."""
    tenant, key, consent_version = widget
    monkeypatch.setattr(intake, "PER_WORKSPACE", TokenBucket("intake-workspace", per_minute=1, burst=5))
    statuses = [post(key, lead_body(consent_version), ip=f"203.0.113.{n}").status_code for n in range(1, 7)]
    assert statuses == [201] * 5 + [429]
    refused = post(key, lead_body(consent_version), ip="203.0.113.99")
    assert refused.status_code == 429
    assert refused.json()["error"]["message"] == "Слишком много заявок подряд. Попробуйте через минуту."
    assert 50 <= int(refused["Retry-After"]) <= 60  # one token a minute
    assert refused["Access-Control-Allow-Origin"] == SITE
    with tenant_context(tenant):
        assert Lead.objects.count() == 5


def test_the_workspace_allowance_is_sized_for_a_campaign_and_refills():
    assert intake.PER_WORKSPACE.burst >= 5_000
    assert intake.PER_WORKSPACE.per_second * 60 >= 1_200
    assert intake.PER_IP.limit == 10


def test_monthly_lead_limit_refuses_politely_and_tells_admins_once(widget, send_mail_now):
    tenant, key, consent_version = widget
    Subscription.objects.create(account=tenant.account, plan=Plan.objects.get(code="start"), status="active")
    Plan.objects.filter(code="start").update(leads_per_month=2)
    with send_mail_now():
        statuses = [post(key, lead_body(consent_version), ip=f"198.51.100.{n}").status_code for n in range(4)]
    assert statuses == [201, 201, 402, 402]
    refused = post(key, lead_body(consent_version), ip="198.51.100.9").json()["error"]
    assert refused["code"] == "lead_limit_reached"
    assert "позвоните" in refused["message"]
    notices = [message for message in mail.outbox if "Лимит заявок исчерпан" in message.subject]
    assert [message.to for message in notices] == [[tenant.account.owner.email]]


def test_blocked_account_takes_no_leads(widget):
    tenant, key, consent_version = widget
    Subscription.objects.create(account=tenant.account, plan=Plan.objects.get(code="start"), status="blocked")
    response = post(key, lead_body(consent_version))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "tenant_blocked"


def test_lead_created_task_is_queued_after_commit(widget, django_capture_on_commit_callbacks, eager_tasks):
    tenant, key, consent_version = widget
    with django_capture_on_commit_callbacks(execute=True):
        lead_id = post(key, lead_body(consent_version)).json()["leadId"]
    with tenant_context(tenant):
        assert LeadEvent.objects.filter(lead_id=lead_id, kind=LeadEvent.Kind.QUEUED).exists()


def test_script_and_config_are_served_gzipped(widget, client_for):
    _, key, _ = widget
    for path in (f"/w/{key}.js", f"/w/{key}/config.json"):
        response = client_for().get(path, headers={"Accept-Encoding": "gzip"})
        assert response["Content-Encoding"] == "gzip"


def test_script_carries_the_key_and_is_cached_briefly(widget, client_for):
    _, key, _ = widget
    response = client_for().get(f"/w/{key}.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response.content.startswith(f'window.FastLeadKey="{key}";'.encode())
    assert "max-age=300" in response["Cache-Control"]
    assert client_for().get("/w/unknown.js").status_code == 404


def test_with_redis_down_leads_are_stored_and_a_flood_is_still_refused(widget, redis_unreachable, caplog):
    tenant, key, consent_version = widget
    statuses = [post(key, lead_body(consent_version)).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429]  # the per-IP limit, counted in this process meanwhile
    with tenant_context(tenant):
        assert Lead.objects.count() == 10
    assert [r.getMessage() for r in caplog.records if r.name == "core.ratelimit"] == ["ratelimit_redis_unavailable"]
