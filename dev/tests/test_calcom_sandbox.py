"""The sandbox's Cal.com is as strict as API v2 (Bearer key only, the event types' version header, the error
envelope) and books as Cal.com does: the prefilled link's fields and metadata come back in a signed webhook."""

import hashlib
import hmac
import json

import httpx
import pytest

from dev.channel_sandbox import DEFAULT_CALCOM

WEBHOOK = "http://t.example.test/channels/calcom/key"
LINK = ("https://cal.com/fastlead-sandbox/konsultaciya?name=%D0%90%D0%BD%D0%BD%D0%B0&email=anna%40example.com"
        "&metadata%5BleadId%5D=42&metadata%5BleadToken%5D=abc")


@pytest.fixture
def sandbox(sandbox):
    server, base_url = sandbox
    return server, f"{base_url}/calcom"


def test_only_a_seeded_bearer_key_is_accepted(sandbox):
    _, base = sandbox
    for refused in (httpx.get(f"{base}/v2/me"),
                    httpx.get(f"{base}/v2/me", params={"apiKey": DEFAULT_CALCOM}),  # v1 style: discontinued
                    httpx.get(f"{base}/v2/me", headers={"Authorization": f"Bearer {DEFAULT_CALCOM}x"})):
        assert refused.status_code == 401
        body = refused.json()
        assert body["status"] == "error"
        assert body["path"] == "/v2/me"
        assert body["error"]["code"] == "UnauthorizedException"
        assert body["error"]["message"] == "ApiAuthStrategy - api key - Your api key is not valid"
        assert body["error"]["details"]["statusCode"] == 401
    me = httpx.get(f"{base}/v2/me", headers={"Authorization": f"Bearer {DEFAULT_CALCOM}"})
    assert me.status_code == 200
    assert me.json()["status"] == "success"
    assert me.json()["data"]["username"] == "fastlead-sandbox"


def test_event_types_need_the_version_header_for_the_list_shape(sandbox):
    server, base = sandbox
    auth = {"Authorization": f"Bearer {DEFAULT_CALCOM}"}
    listed = httpx.get(f"{base}/v2/event-types", headers={**auth, "cal-api-version": "2024-06-14"}).json()
    assert [(item["id"], item["slug"]) for item in listed["data"]] == [(7001, "konsultaciya"), (7002, "osmotr")]
    older = httpx.get(f"{base}/v2/event-types", headers=auth).json()
    assert "eventTypeGroups" in older["data"]
    assert httpx.get(f"{base}/v2/bookings", headers=auth).json()["error"]["code"] == "NotFoundException"
    server.set_fault("calcom", "revoked")
    expired = httpx.get(f"{base}/v2/me", headers=auth)
    assert (expired.status_code, expired.json()["error"]["message"]) == (
        401, "ApiAuthStrategy - api key - Your api key is expired")


def test_a_booking_is_the_signed_webhook_cal_com_sends(sandbox):
    server, _ = sandbox
    calcom = server.providers["calcom"]
    webhook = calcom.inbound({"url": WEBHOOK, "secret": "s3cret", "bookingUrl": LINK, "start": "2026-05-03T10:00:00Z",
                              "uid": "bk1"})
    assert webhook.headers["X-Cal-Signature-256"] == hmac.new(b"s3cret", webhook.body, hashlib.sha256).hexdigest()
    assert webhook.headers["X-Cal-Webhook-Version"] == "2021-10-20"
    assert b", " not in webhook.body
    assert b": " not in webhook.body
    sent = json.loads(webhook.body)
    assert list(sent) == ["triggerEvent", "createdAt", "payload"]
    payload = sent["payload"]
    assert (sent["triggerEvent"], payload["uid"], payload["startTime"], payload["endTime"]) == (
        "BOOKING_CREATED", "bk1", "2026-05-03T10:00:00Z", "2026-05-03T10:30:00Z")
    assert payload["attendees"][0]["name"] == "Анна"
    assert payload["responses"]["email"]["value"] == "anna@example.com"
    assert payload["metadata"] == {"leadId": "42", "leadToken": "abc"}

    moved = json.loads(calcom.inbound({"url": WEBHOOK, "event": "BOOKING_RESCHEDULED", "uid": "bk1",
                                       "start": "2026-05-04T10:00:00Z"}).body)["payload"]
    assert moved["rescheduleUid"] == "bk1"
    assert moved["uid"] != "bk1"
    assert moved["metadata"] == payload["metadata"]
    cancelled = calcom.inbound({"url": WEBHOOK, "event": "BOOKING_CANCELLED", "uid": moved["uid"]})
    assert cancelled.headers["X-Cal-Signature-256"] == "no-secret-provided"
    assert "metadata" not in json.loads(cancelled.body)["payload"]  # Cal.com sends it on CREATED and RESCHEDULED only

    for params, problem in (({"bookingUrl": "https://cal.com/someone/else"}, "bookingUrl"),
                            ({"bookingUrl": LINK.split("?")[0]}, "name"),
                            ({"bookingUrl": LINK, "start": "2026-05-03 10:00"}, "start"),
                            ({"event": "BOOKING_CANCELLED", "uid": "nope"}, "uid")):
        with pytest.raises(ValueError, match=problem):
            calcom.inbound({"url": WEBHOOK, "start": "2026-05-03T10:00:00Z", **params})
