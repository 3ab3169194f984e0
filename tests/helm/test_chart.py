"""Offline checks of the billing-portal Helm chart through the Helm v4 Go SDK (helm-python-sdk).

Rendered manifests are parsed with Helm's own YAML parser (``helm_python.values_from_yaml``), so the
tests need no PyYAML and read the YAML exactly as Helm/Kubernetes tooling does.
"""

import re
from pathlib import Path
from typing import Any

import helm_python
import pytest

CHART_DIR = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "billing-portal"
RELEASE = "portal"
NAMESPACE = "billing"
FULLNAME = f"{RELEASE}-billing-portal"
GATEWAY = "gateway"
BACKENDS = ("auth", "billing", "subscriptions", "comments")
COMPONENTS = (GATEWAY, *BACKENDS)
GRPC_PORT = 50051
TMP_MOUNT = "/tmp"  # noqa: S108 - the expected mount path in the manifest, not a temp file

Manifest = dict[str, Any]

_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def render(values: dict[str, Any] | None = None) -> list[Manifest]:
    """Render the chart and parse every non-empty YAML document of every template."""
    with helm_python.Chart.load(CHART_DIR) as chart:
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE)
    manifests: list[Manifest] = []
    for path, text in rendered.items():
        if not path.endswith((".yaml", ".yml")):
            continue  # NOTES.txt
        for document in _DOCUMENT_SEPARATOR.split(text):
            parsed = helm_python.values_from_yaml(document) if document.strip() else {}
            if parsed:
                manifests.append(parsed)
    return manifests


def by_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    """Manifests of one kind, keyed by their app.kubernetes.io/component label."""
    found: dict[str, Manifest] = {}
    for manifest in manifests:
        if manifest["kind"] == kind:
            component = manifest["metadata"]["labels"]["app.kubernetes.io/component"]
            assert component not in found, f"two {kind}s for {component}"
            found[component] = manifest
    return found


def only_container(deployment: Manifest) -> Manifest:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    container: Manifest = containers[0]
    return container


def env_of(container: Manifest) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container["env"]}


@pytest.fixture(scope="module")
def default_manifests() -> list[Manifest]:
    return render()


def test_lint_reports_no_errors() -> None:
    report = helm_python.lint(CHART_DIR)
    assert report["errors"] == []
    assert not [m for m in report["messages"] if m["severity"] >= 3]


def test_lint_strict_reports_no_errors() -> None:
    report = helm_python.lint(CHART_DIR, strict=True)
    assert report["errors"] == []


def test_every_component_has_a_deployment_and_a_service(default_manifests: list[Manifest]) -> None:
    deployments = by_kind(default_manifests, "Deployment")
    services = by_kind(default_manifests, "Service")
    assert sorted(deployments) == sorted(COMPONENTS)
    assert sorted(services) == sorted(COMPONENTS)
    for component in COMPONENTS:
        assert deployments[component]["metadata"]["name"] == f"{FULLNAME}-{component}"
        assert services[component]["metadata"]["name"] == f"{FULLNAME}-{component}"


def test_labels_and_selectors_match(default_manifests: list[Manifest]) -> None:
    deployments = by_kind(default_manifests, "Deployment")
    services = by_kind(default_manifests, "Service")
    for component in COMPONENTS:
        deployment = deployments[component]
        labels = deployment["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "billing-portal"
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/component"] == component
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        selector = deployment["spec"]["selector"]["matchLabels"]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pod_labels.items()
        assert services[component]["spec"]["selector"] == selector


def test_backends_have_native_grpc_probes(default_manifests: list[Manifest]) -> None:
    deployments = by_kind(default_manifests, "Deployment")
    services = by_kind(default_manifests, "Service")
    for component in BACKENDS:
        container = only_container(deployments[component])
        assert container["command"] == ["python", "-m", f"services.{component}"]
        assert container["ports"][0]["containerPort"] == GRPC_PORT
        for probe in ("livenessProbe", "readinessProbe"):
            assert container[probe]["grpc"]["port"] == GRPC_PORT, (component, probe)
            assert "httpGet" not in container[probe]
        assert services[component]["spec"]["ports"][0]["port"] == GRPC_PORT


def test_gateway_has_http_probes(default_manifests: list[Manifest]) -> None:
    container = only_container(by_kind(default_manifests, "Deployment")[GATEWAY])
    assert container["command"] == ["python", "-m", "services.gateway"]
    assert container["ports"][0]["containerPort"] == 8080
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz"
        assert container[probe]["httpGet"]["port"] == "http"
        assert "grpc" not in container[probe]


def test_every_container_is_hardened(default_manifests: list[Manifest]) -> None:
    for component, deployment in by_kind(default_manifests, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, component
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, component
            assert security["runAsNonRoot"] is True, component
            assert security["allowPrivilegeEscalation"] is False, component
            assert security["capabilities"]["drop"] == ["ALL"], component
            assert {"name": "tmp", "mountPath": TMP_MOUNT} in container["volumeMounts"], component
        assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in pod["volumes"], component


def test_gateway_env_points_at_rendered_backend_services(default_manifests: list[Manifest]) -> None:
    services = by_kind(default_manifests, "Service")
    env = env_of(only_container(by_kind(default_manifests, "Deployment")[GATEWAY]))
    for backend in BACKENDS:
        service = services[backend]
        port = service["spec"]["ports"][0]["port"]
        assert env[f"PORTAL_{backend.upper()}_ADDR"] == f"{service['metadata']['name']}:{port}"
    assert env["PORTAL_PUBLIC_SCHEME"] == "https"
    assert env["PORTAL_BASE_DOMAIN"] == "portal.example.com"
    assert env["PORTAL_SECRET_KEY"] == {"secretKeyRef": {"name": "billing-portal-secret-key", "key": "secret-key"}}
    assert "PORTAL_DATABASE_URL" not in env


def test_backend_env_comes_from_values_and_secrets(default_manifests: list[Manifest]) -> None:
    deployments = by_kind(default_manifests, "Deployment")
    for backend in BACKENDS:
        env = env_of(only_container(deployments[backend]))
        assert env["PORTAL_DATABASE_URL"] == {"secretKeyRef": {"name": f"{backend}-database", "key": "url"}}
        assert env["PORTAL_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env["PORTAL_SECRET_KEY"] == {"secretKeyRef": {"name": "billing-portal-secret-key", "key": "secret-key"}}
        assert not any(name.endswith("_ADDR") for name in env)


def test_secret_names_and_globals_are_configurable() -> None:
    manifests = render(
        {
            "kafka": {"bootstrap": "broker-0.kafka:9092"},
            "secretKey": {"existingSecret": "portal-keys", "key": "signing"},
            "components": {"billing": {"database": {"existingSecret": "pg-billing", "key": "dsn"}}},
        }
    )
    env = env_of(only_container(by_kind(manifests, "Deployment")["billing"]))
    assert env["PORTAL_DATABASE_URL"] == {"secretKeyRef": {"name": "pg-billing", "key": "dsn"}}
    assert env["PORTAL_KAFKA_BOOTSTRAP"] == "broker-0.kafka:9092"
    assert env["PORTAL_SECRET_KEY"] == {"secretKeyRef": {"name": "portal-keys", "key": "signing"}}


def test_disabling_a_component_removes_its_deployment_and_service() -> None:
    manifests = render({"components": {"comments": {"enabled": False}}})
    deployments = by_kind(manifests, "Deployment")
    services = by_kind(manifests, "Service")
    assert "comments" not in deployments
    assert "comments" not in services
    assert sorted(deployments) == sorted(set(COMPONENTS) - {"comments"})
    assert sorted(services) == sorted(set(COMPONENTS) - {"comments"})
    gateway_env = env_of(only_container(deployments[GATEWAY]))
    assert "PORTAL_COMMENTS_ADDR" not in gateway_env
    assert "PORTAL_AUTH_ADDR" in gateway_env


def test_replicas_override_is_honoured() -> None:
    manifests = render({"components": {"billing": {"replicas": 5}}})
    deployments = by_kind(manifests, "Deployment")
    assert deployments["billing"]["spec"]["replicas"] == 5
    assert deployments["auth"]["spec"]["replicas"] == 2


def test_image_is_global_with_per_component_override() -> None:
    manifests = render(
        {
            "image": {"repository": "registry.local/portal", "tag": "1.2.3"},
            "components": {"auth": {"image": {"tag": "1.2.4-hotfix"}}},
        }
    )
    deployments = by_kind(manifests, "Deployment")
    assert only_container(deployments["auth"])["image"] == "registry.local/portal:1.2.4-hotfix"
    for component in set(COMPONENTS) - {"auth"}:
        assert only_container(deployments[component])["image"] == "registry.local/portal:1.2.3"
