"""The API contract: what both OpenAPI schemas document, and schemathesis holding the live server to it.

The schemas document every error an operation can answer, with the envelope, and the format of contact and link
fields. Schemathesis runs every operation of the platform API (public host) and of the workspace API (a workspace
host) over real HTTP against the live server, with a real member's JWT: its coverage phase (each boundary of the
schema and each way to break it, the same cases every run), then a few fuzzed valid and invalid requests
(Hypothesis with a fixed seed). Every answer must be no 5xx, a documented status, a documented content type, and a
body that matches the documented schema (the error envelope for errors). About 1,400 requests, a minute.

Run alone: ``.venv/bin/python -m pytest config/tests/test_api_contract.py -s`` (``-s`` prints the figures).
"""

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import hypothesis
import jsonschema_rs
import pytest
import requests
import schemathesis
from django.conf import settings
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, Phase
from ninja import Schema
from ninja.security import HttpBearer
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import NO_FEEDBACK
from schemathesis.generation.overrides import Override
from schemathesis.openapi.checks import UndefinedStatusCode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from billing.services import start_trial
from config.api import public_api, tenant_api
from core.access import open_when_unpaid
from core.api_errors import ErrorOut
from core.api_schema import EnvelopeAPI
from tenant_apps.leads.services import create_lead

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
MAX_EXAMPLES = 4  # fuzzed cases per operation and mode, after the ~1,060 coverage cases
SEED = 20261126
PASSWORD = "contract-test-password-2026"
ENVELOPE = "#/components/schemas/ErrorOut"


class ProbeBearer(HttpBearer):
    def authenticate(self, request, token: str) -> None:
        return None


class Thing(Schema):
    name: str


probe_api = EnvelopeAPI(urls_namespace="contract_probe", refused_when_unpaid=True, docs_url=None)


@probe_api.get("/things/{thing_id}", response=Thing, auth=ProbeBearer())
def get_thing(request, thing_id: int) -> None: ...


@probe_api.post("/things", response={201: Thing, 409: ErrorOut})
@open_when_unpaid
def add_thing(request, payload: Thing) -> None: ...


def documented(operation: dict[str, Any]) -> dict[int, str]:
    """Status → the schema its JSON body refers to ("" when it has none)."""
    return {int(status): response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
            for status, response in operation["responses"].items()}


def test_a_new_route_is_documented_by_its_kind() -> None:
    """Nobody lists a route's errors by hand: auth, a path parameter, a body and the subscription decide them."""
    paths = probe_api.get_openapi_schema(path_prefix="")["paths"]
    thing = "#/components/schemas/Thing"
    assert documented(paths["/things/{thing_id}"]["get"]) == {
        200: thing, 400: ENVELOPE, 401: ENVELOPE, 402: ENVELOPE, 403: ENVELOPE, 404: ENVELOPE, 429: ENVELOPE,
        503: ENVELOPE,
    }
    assert documented(paths["/things"]["post"]) == {201: thing, 400: ENVELOPE, 409: ENVELOPE, 413: ENVELOPE,
                                                   503: ENVELOPE}
    assert paths["/things/{thing_id}"]["get"]["responses"][429]["headers"]["Retry-After"]["schema"] == {
        "type": "integer"}


@pytest.mark.parametrize("api", [public_api, tenant_api], ids=["platform", "workspace"])
def test_every_error_of_every_operation_is_the_envelope(api) -> None:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["error"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {status: ref for status, ref in documented(operation).items() if status >= 400}
            assert {400, 503} <= set(errors), (method, path)
            assert set(errors.values()) == {ENVELOPE}, (method, path)


def test_contact_and_link_fields_state_their_format() -> None:
    public = public_api.get_openapi_schema(path_prefix="/api/v1")["components"]["schemas"]
    workspace = tenant_api.get_openapi_schema(path_prefix="/api/v1")["components"]["schemas"]
    for schemas, name, field, expected in [
        (public, "RegisterIn", "email", "email"), (public, "LoginIn", "email", "email"),
        (public, "ProfileOut", "email", "email"), (workspace, "InviteIn", "email", "email"),
        (workspace, "MemberOut", "email", "email"), (workspace, "InvitationOut", "email", "email"),
        (workspace, "TenantOut", "url", "uri"), (workspace, "SnippetOut", "scriptUrl", "uri"),
        (workspace, "PaymentStartedOut", "paymentUrl", "uri"), (workspace, "DocumentOut", "pdfUrl", "uri-reference"),
        (workspace, "Consent", "privacyPolicyUrl", "uri"),
    ]:
        assert schemas[name]["properties"][field]["format"] == expected, (name, field)
    lead = workspace["LeadOut"]["properties"]
    phone, email = (jsonschema_rs.validator_for(lead[name], validate_formats=True) for name in ("phone", "email"))
    for value in ("+79161234567", "+7 9** ***-**-67", "+4*********12", ""):  # stored, masked, none
        assert phone.is_valid(value), value
    for value in ("8 (916) 123-45-67", "+7 916", "+٧٩١٦١٢٣٤٥٦٧"):
        assert not phone.is_valid(value), value
    assert all(email.is_valid(value) for value in ("irina@example.ru", "i***@example.ru", ""))
    assert not email.is_valid("irina")


@dataclass
class Caller:
    """A confirmed owner of a trial workspace, calling the live server with a JWT from the login API."""

    base_url: str
    port: int
    email: str
    slug: str
    token: str = ""

    def host(self, workspace: bool) -> str:
        domain = settings.PLATFORM_DOMAIN
        return f"{self.slug}.{domain}:{self.port}" if workspace else f"{domain}:{self.port}"

    def headers(self, workspace: bool) -> dict[str, str]:
        # Python's resolver does not resolve *.localhost: every request goes to 127.0.0.1 with the host in Host.
        return {"Host": self.host(workspace), "Authorization": f"Bearer {self.token}"}

    def log_in(self) -> None:
        response = requests.post(f"{self.base_url}/api/v1/auth/login", headers={"Host": self.host(False)}, timeout=30,
                                 json={"email": self.email, "password": PASSWORD, "tenantId": self.slug})
        assert response.status_code == 200, response.text
        self.token = response.json()["accessToken"]

    def follow(self, case: schemathesis.Case, response: schemathesis.Response) -> None:
        """A renamed workspace answers on its new host only, and a token is valid for one workspace address."""
        if case.method == "PATCH" and case.path == "/api/v1/tenant" and response.status_code == 200:
            slug = response.json()["subdomain"]
            if slug != self.slug:
                self.slug = slug
                self.log_in()


@pytest.fixture
def caller(live_server, settings, payment_sandbox, make_user, make_tenant, tmp_path) -> Caller:
    port = urlsplit(live_server.url).port
    settings.PLATFORM_PORT = str(port)
    settings.MEDIA_ROOT = str(tmp_path / "media")  # schemathesis uploads real logos and avatars
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    # Hundreds of requests a minute from one user: the per-user API limit has tests of its own.
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    # Dozens of logins and sign-ups: bcrypt (cost 12) would take a quarter of a second for each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    owner = make_user(password=PASSWORD)
    tenant = make_tenant(owner=owner)
    start_trial(tenant.account)  # as a sign-up does
    with tenant_context(tenant):  # leads for the list and the export to answer with
        create_lead(name="Ирина", phone="+79990001122", email="irina@example.ru", page_url="https://shop.example.ru/")
        create_lead(name="Олег", phone="+79990003344")
    caller = Caller(f"http://127.0.0.1:{port}", port, owner.email, tenant.slug)
    caller.log_in()
    return caller


@dataclass
class Run:
    caller: Caller
    workspace: bool  # the workspace API on the workspace's host, or the platform API on the public host
    failures: dict[str, str]
    sent: int = 0

    def exercise(self, operation: schemathesis.APIOperation, case: schemathesis.Case) -> None:
        self.sent += 1
        response = case.call(base_url=self.caller.base_url, headers=self.caller.headers(self.workspace), timeout=30)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                detail = failure.status_code if isinstance(failure, UndefinedStatusCode) else failure.title
                self.failures.setdefault(f"{operation.label}: {failure.code} {detail}", f"{operation.label}\n{group}")
        self.caller.follow(case, response)

    def cover(self, operation: schemathesis.APIOperation) -> None:
        """Schemathesis's coverage phase (the first of ``schemathesis run``): each boundary of the schema and each
        way to break it (a missing field, a type, a length, a value past a limit), the same cases every run."""
        generation = operation.schema.config.generation_for(operation=operation, phase="coverage")
        for case in CoverageGenerator(operation=operation, generation_modes=list(MODES), generation_config=generation,
                                      auth_storage=None, override=Override(), feedback=NO_FEEDBACK):
            self.exercise(operation, case)

    def fuzz(self, operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode) -> None:
        @hypothesis.seed(SEED)
        @hypothesis.settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                             phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def run(case: schemathesis.Case) -> None:
            self.exercise(operation, case)

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            assert mode is schemathesis.GenerationMode.NEGATIVE  # an operation without input has nothing to get wrong

    def all_operations(self) -> int:
        """Every operation of the host's schema, as served; the number of operations."""
        host = self.caller.host(self.workspace)
        raw = requests.get(f"{self.caller.base_url}/api/v1/openapi.json", headers={"Host": host}, timeout=30)
        assert raw.status_code == 200, raw.text
        operations = [result.ok() for result in schemathesis.openapi.from_dict(raw.json()).get_all_operations()]
        for operation in operations:
            self.cover(operation)
            for mode in MODES:
                self.fuzz(operation, mode)
        return len(operations)


@pytest.mark.django_db(transaction=True)
def test_both_api_schemas_hold_their_contract(caller) -> None:
    started = time.monotonic()
    failures: dict[str, str] = {}
    figures = []
    for name, workspace in (("platform", False), ("workspace", True)):
        run = Run(caller, workspace, failures)
        operations = run.all_operations()
        figures.append(f"{name} API: {operations} operations, {run.sent} requests")
    print(f"\n{'; '.join(figures)}; {time.monotonic() - started:.0f} s; {len(failures)} failures")
    assert not failures, "\n\n".join(failures.values())
