"""Offline checks of the billing-portal Helm chart through the Helm v4 Go SDK (helm-python-sdk).

Rendered manifests are parsed with Helm's own YAML parser (``helm_python.values_from_yaml``), so the
tests need no PyYAML and read the YAML exactly as Helm/Kubernetes tooling does.
"""

import os
import re
from pathlib import Path
from typing import Any

import helm_python
import pytest
from portal_kit.service_auth import (
    ADMIN,
    ADMIN_TOKEN_ENV,
    CALLERS,
    SERVICE_NAME_ENV,
    ServiceTrust,
    env_for,
    generate_tokens,
    require_own_credential,
    token_env,
)

from services.auth.settings import AuthSettings
from services.billing.settings import BillingSettings
from services.comments.settings import CommentsSettings
from services.gateway.client_ip import TrustedProxies
from services.gateway.settings import GatewaySettings
from services.mailer.settings import MailerSettings, MailSettings
from services.subscriptions.settings import SubscriptionsSettings

CHART_DIR = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "billing-portal"
RELEASE = "portal"
NAMESPACE = "billing"
FULLNAME = f"{RELEASE}-billing-portal"
GATEWAY = "gateway"
MAILER = "mailer"
UPSTREAMS = ("auth", "billing", "subscriptions", "comments")  # the backends the gateway calls
BACKENDS = (*UPSTREAMS, MAILER)
COMPONENTS = (GATEWAY, *BACKENDS)
GRPC_PORT = 50051
HTTP_PORT = 8080
METRICS_PORT = 9464
# Backends that call other backends: auth looks up billing customers, the mailer fetches billing documents.
BACKEND_UPSTREAMS = {"auth": ("billing", "subscriptions"), "mailer": ("billing",), "subscriptions": ("billing",)}
TOKENS_SECRET = "billing-portal-service-tokens"
FAKE_SECRET = "x" * 40  # stands in for every secretKeyRef when settings are read from a rendered env
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
    """Manifests of one kind, keyed by their app.kubernetes.io/component label (headless Services aside)."""
    found: dict[str, Manifest] = {}
    for manifest in manifests:
        if manifest["kind"] == kind and not is_headless(manifest):
            component = manifest["metadata"]["labels"]["app.kubernetes.io/component"]
            assert component not in found, f"two {kind}s for {component}"
            found[component] = manifest
    return found


def is_headless(manifest: Manifest) -> bool:
    return manifest["kind"] == "Service" and manifest["spec"].get("clusterIP") == "None"


def headless_services(manifests: list[Manifest]) -> dict[str, Manifest]:
    return {m["metadata"]["labels"]["app.kubernetes.io/component"]: m for m in manifests if is_headless(m)}


def grpc_target(service: Manifest, port: int | None = None) -> str:
    """The address callers get: the gRPC DNS target of the component's headless Service."""
    port = port or service["spec"]["ports"][0]["port"]
    return f"dns:///{service['metadata']['name']}-headless.{NAMESPACE}.svc.cluster.local:{port}"


def only_container(deployment: Manifest) -> Manifest:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    container: Manifest = containers[0]
    return container


def env_of(container: Manifest) -> dict[str, Any]:
    names = [item["name"] for item in container["env"]]
    assert len(names) == len(set(names)), f"duplicate env names in {names}"
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container["env"]}


def as_process_env(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a rendered env the process environment: plain values as-is, secret refs as FAKE_SECRET."""
    for name in [name for name in os.environ if name.startswith("PORTAL_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value if isinstance(value, str) else FAKE_SECRET)


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
    """Liveness on /healthz; readiness on /readyz, which turns false while the gateway drains."""
    container = only_container(by_kind(default_manifests, "Deployment")[GATEWAY])
    assert container["command"] == ["python", "-m", "services.gateway"]
    assert container["ports"][0]["containerPort"] == 8080
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        assert container[probe]["httpGet"]["path"] == path
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
    for backend in UPSTREAMS:
        service = services[backend]
        port = service["spec"]["ports"][0]["port"]
        assert env[f"PORTAL_{backend.upper()}_ADDR"] == grpc_target(service, port)
    assert "PORTAL_MAILER_ADDR" not in env
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
        addresses = {name for name in env if name.endswith("_ADDR")}
        assert addresses == {f"PORTAL_{u.upper()}_ADDR" for u in BACKEND_UPSTREAMS.get(backend, ())}, backend
        assert "PORTAL_BASE_DOMAIN" not in env
        assert "PORTAL_HTTP_PORT" not in env


def test_backends_with_callers_get_a_headless_service(default_manifests: list[Manifest]) -> None:
    """DNS of a headless Service lists every ready pod: a caller's gRPC channel balances calls over them."""
    services = by_kind(default_manifests, "Service")
    headless = headless_services(default_manifests)
    assert sorted(headless) == sorted(UPSTREAMS)  # nobody calls the mailer; the gateway is reached by the Ingress
    for backend, service in headless.items():
        assert service["metadata"]["name"] == f"{FULLNAME}-{backend}-headless"
        assert service["spec"]["publishNotReadyAddresses"] is False
        assert service["spec"]["selector"] == services[backend]["spec"]["selector"]
        assert [p["name"] for p in service["spec"]["ports"]] == ["grpc"]  # not scraped twice by a ServiceMonitor
    plain = render({"grpcBalancing": "service"})
    assert headless_services(plain) == {}
    env = env_of(only_container(by_kind(plain, "Deployment")[GATEWAY]))
    assert env["PORTAL_BILLING_ADDR"] == f"{FULLNAME}-billing:{GRPC_PORT}"


def test_auth_the_mailer_and_subscriptions_call_billing_at_its_service(default_manifests: list[Manifest]) -> None:
    service = by_kind(default_manifests, "Service")["billing"]
    for caller in ("auth", MAILER, "subscriptions"):
        env = env_of(only_container(by_kind(default_manifests, "Deployment")[caller]))
        assert env["PORTAL_BILLING_ADDR"] == grpc_target(service), caller


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
    manifests = render({"components": {"mailer": {"replicas": 5}, "billing": {"autoscaling": {"enabled": False}}}})
    deployments = by_kind(manifests, "Deployment")
    assert deployments["mailer"]["spec"]["replicas"] == 5
    assert deployments["billing"]["spec"]["replicas"] == 2
    assert "billing" not in by_kind(manifests, "HorizontalPodAutoscaler")


def test_an_autoscaled_deployment_leaves_its_size_to_the_autoscaler(default_manifests: list[Manifest]) -> None:
    """Gateway and gRPC backends scale on CPU; the mailer (bound by its topics' partitions) keeps its replicas."""
    deployments = by_kind(default_manifests, "Deployment")
    autoscalers = by_kind(default_manifests, "HorizontalPodAutoscaler")
    assert sorted(autoscalers) == sorted([GATEWAY, *UPSTREAMS])
    for component, hpa in autoscalers.items():
        assert "replicas" not in deployments[component]["spec"], component
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": deployments[component]["metadata"]["name"],
        }
        assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"], component
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}
    assert deployments[MAILER]["spec"]["replicas"] == 2


def test_an_autoscaler_needs_a_cpu_request() -> None:
    with pytest.raises(helm_python.HelmRenderError, match="components.gateway.autoscaling needs a CPU request"):
        render({"components": {"gateway": {"resources": {"requests": {"cpu": None}}}}})  # null drops a default
    with pytest.raises(helm_python.HelmRenderError, match=r"minReplicas \(9\) is above maxReplicas \(3\)"):
        render({"components": {"auth": {"autoscaling": {"minReplicas": 9, "maxReplicas": 3}}}})


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


def test_backends_listen_on_their_container_port(default_manifests: list[Manifest]) -> None:
    deployments = by_kind(default_manifests, "Deployment")
    for backend in BACKENDS:
        container = only_container(deployments[backend])
        assert env_of(container)["PORTAL_GRPC_PORT"] == str(container["ports"][0]["containerPort"]), backend


def test_gateway_listens_on_its_container_port(default_manifests: list[Manifest]) -> None:
    container = only_container(by_kind(default_manifests, "Deployment")[GATEWAY])
    env = env_of(container)
    assert env["PORTAL_HTTP_PORT"] == str(container["ports"][0]["containerPort"]) == str(HTTP_PORT)
    assert "PORTAL_GRPC_PORT" not in env
    assert env["PORTAL_KAFKA_BOOTSTRAP"] == "kafka:9092"  # auth's revocations of the sessions and keys it caches


def test_port_overrides_move_env_probes_and_service_together() -> None:
    manifests = render({"components": {"billing": {"port": 6001}, "gateway": {"port": 9090}}})
    deployments = by_kind(manifests, "Deployment")
    services = by_kind(manifests, "Service")
    billing = only_container(deployments["billing"])
    assert env_of(billing)["PORTAL_GRPC_PORT"] == "6001"
    assert billing["ports"][0]["containerPort"] == 6001
    assert billing["readinessProbe"]["grpc"]["port"] == 6001
    assert services["billing"]["spec"]["ports"][0]["port"] == 6001
    gateway = only_container(deployments[GATEWAY])
    assert env_of(gateway)["PORTAL_HTTP_PORT"] == "9090"
    assert gateway["ports"][0]["containerPort"] == 9090
    assert env_of(gateway)["PORTAL_BILLING_ADDR"] == grpc_target(services["billing"], 6001)
    assert headless_services(manifests)["billing"]["spec"]["ports"][0]["port"] == 6001


def test_every_component_runs_in_production_mode(default_manifests: list[Manifest]) -> None:
    for component, deployment in by_kind(default_manifests, "Deployment").items():
        assert env_of(only_container(deployment))["PORTAL_ENV"] == "production", component


def test_mailer_is_a_grpc_backend_with_smtp_env(default_manifests: list[Manifest]) -> None:
    container = only_container(by_kind(default_manifests, "Deployment")[MAILER])
    assert container["command"] == ["python", "-m", "services.mailer"]
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["grpc"] == {"port": GRPC_PORT}, probe
    env = env_of(container)
    assert env["PORTAL_DATABASE_URL"] == {"secretKeyRef": {"name": "mailer-database", "key": "url"}}
    assert env["PORTAL_SMTP_HOST"] == "smtp.example.com"
    assert env["PORTAL_SMTP_PORT"] == "587"
    assert env["PORTAL_SMTP_STARTTLS"] == "true"
    assert env["PORTAL_MAIL_FROM"] == "billing@portal.example.com"
    assert "PORTAL_SMTP_USERNAME" not in env
    assert "PORTAL_SMTP_PASSWORD" not in env


def test_only_the_mailer_gets_smtp_env(default_manifests: list[Manifest]) -> None:
    for component, deployment in by_kind(default_manifests, "Deployment").items():
        if component != MAILER:
            assert not [name for name in env_of(only_container(deployment)) if "SMTP" in name], component


def test_mailer_smtp_settings_and_credentials_are_configurable() -> None:
    manifests = render(
        {
            "mail": {
                "smtpHost": "relay.internal",
                "smtpPort": 2525,
                "starttls": False,
                "from": "invoices@example.org",
                "existingSecret": "smtp-credentials",
                "passwordKey": "token",
            }
        }
    )
    env = env_of(only_container(by_kind(manifests, "Deployment")[MAILER]))
    assert env["PORTAL_SMTP_HOST"] == "relay.internal"
    assert env["PORTAL_SMTP_PORT"] == "2525"
    assert env["PORTAL_SMTP_STARTTLS"] == "false"
    assert env["PORTAL_MAIL_FROM"] == "invoices@example.org"
    assert env["PORTAL_SMTP_USERNAME"] == {"secretKeyRef": {"name": "smtp-credentials", "key": "username"}}
    assert env["PORTAL_SMTP_PASSWORD"] == {"secretKeyRef": {"name": "smtp-credentials", "key": "token"}}


def test_gateway_settings_read_the_rendered_env(
    default_manifests: list[Manifest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The names the chart sets are the ones services/gateway/settings.py reads."""
    deployments = by_kind(default_manifests, "Deployment")
    services = by_kind(default_manifests, "Service")
    gateway = only_container(deployments[GATEWAY])
    as_process_env(env_of(gateway), monkeypatch)
    require_own_credential("gateway")
    settings = GatewaySettings.load()
    assert settings.trusted_proxies == ""
    assert settings.http_port == gateway["ports"][0]["containerPort"]
    assert settings.base_domain == "portal.example.com"
    assert settings.public_scheme == "https"
    assert settings.public_port is None
    for backend in UPSTREAMS:
        service = services[backend]
        assert getattr(settings, f"{backend}_addr") == grpc_target(service), backend


def test_backend_settings_read_the_rendered_env(
    default_manifests: list[Manifest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The names the chart sets are the ones each backend's settings model reads."""
    models = {
        "auth": AuthSettings,
        "billing": BillingSettings,
        "subscriptions": SubscriptionsSettings,
        "comments": CommentsSettings,
        "mailer": MailerSettings,
    }
    deployments = by_kind(default_manifests, "Deployment")
    for backend in BACKENDS:
        container = only_container(deployments[backend])
        as_process_env(env_of(container), monkeypatch)
        require_own_credential(backend)
        trust = ServiceTrust.from_env(backend)  # production: refuses to start without every caller's token
        assert set(trust.tokens) == set(CALLERS[backend]) | ({ADMIN} if backend == "auth" else set()), backend
        settings = models[backend].load()
        assert settings.grpc.port == container["ports"][0]["containerPort"], backend
        assert settings.kafka.bootstrap == "kafka:9092", backend
        assert settings.database.url == FAKE_SECRET, backend
        assert settings.secret_key == FAKE_SECRET.encode(), backend
        assert settings.development is False, backend
        if isinstance(
            settings, AuthSettings | MailerSettings | SubscriptionsSettings
        ):  # the backends that call billing
            target = f"dns:///{FULLNAME}-billing-headless.{NAMESPACE}.svc.cluster.local:{GRPC_PORT}"
            assert settings.billing_addr == target, backend


def test_mail_settings_read_the_rendered_env(monkeypatch: pytest.MonkeyPatch) -> None:
    manifests = render({"mail": {"existingSecret": "smtp-credentials"}})
    as_process_env(env_of(only_container(by_kind(manifests, "Deployment")[MAILER])), monkeypatch)
    mail = MailSettings()
    assert (mail.smtp_host, mail.smtp_port, mail.smtp_starttls) == ("smtp.example.com", 587, True)
    assert mail.mail_from == "billing@portal.example.com"
    assert (mail.smtp_username, mail.smtp_password.get_secret_value()) == (FAKE_SECRET, FAKE_SECRET)


# Service credentials and NetworkPolicies.


def token_refs(env: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in env.items()
        if name.startswith("PORTAL_SERVICE_TOKEN_") or name == ADMIN_TOKEN_ENV
    }


def test_each_component_gets_the_credentials_the_code_expects_from_the_secret(
    default_manifests: list[Manifest],
) -> None:
    """The same names as the local run's env_for, every value a secretKeyRef (never a literal)."""
    expected_keys = {token_env(caller): caller for caller in [*sorted(set().union(*CALLERS.values())), ADMIN]}
    for component, deployment in by_kind(default_manifests, "Deployment").items():
        env = env_of(only_container(deployment))
        expected = env_for(component, generate_tokens())
        assert env[SERVICE_NAME_ENV] == expected.pop(SERVICE_NAME_ENV) == component
        refs = token_refs(env)
        assert set(refs) == set(expected), component
        for name, value in refs.items():
            assert value == {"secretKeyRef": {"name": TOKENS_SECRET, "key": expected_keys[name]}}, (component, name)


def test_credentials_secret_name_is_configurable() -> None:
    manifests = render({"serviceCredentials": {"existingSecret": "tokens-v2", "adminKey": "ops"}})
    env = env_of(only_container(by_kind(manifests, "Deployment")["auth"]))
    assert env[ADMIN_TOKEN_ENV] == {"secretKeyRef": {"name": "tokens-v2", "key": "ops"}}
    assert env[token_env("gateway")] == {"secretKeyRef": {"name": "tokens-v2", "key": "gateway"}}


def callers_allowed_by(policy: Manifest) -> set[str]:
    """The components admitted on the gRPC port (the other rule is the metrics port, checked elsewhere)."""
    callers = set()
    for rule in policy["spec"].get("ingress") or []:
        if rule["ports"] == [{"port": METRICS_PORT, "protocol": "TCP"}]:
            continue
        for peer in rule["from"]:
            labels = peer["podSelector"]["matchLabels"]
            assert labels["app.kubernetes.io/instance"] == RELEASE
            assert labels["app.kubernetes.io/name"] == "billing-portal"
            callers.add(labels["app.kubernetes.io/component"])
        assert rule["ports"] == [{"port": GRPC_PORT, "protocol": "TCP"}]
    return callers


def test_network_policies_let_backends_accept_only_their_callers(default_manifests: list[Manifest]) -> None:
    """One policy per component; a backend admits exactly the callers its code accepts (CALLERS)."""
    policies = by_kind(default_manifests, "NetworkPolicy")
    deployments = by_kind(default_manifests, "Deployment")
    assert sorted(policies) == sorted([*COMPONENTS, "migrate"])  # "migrate": the migration Jobs' pods
    del policies["migrate"]
    for component, policy in policies.items():
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
        selector = deployments[component]["spec"]["selector"]["matchLabels"]
        assert policy["spec"]["podSelector"]["matchLabels"] == selector
    for backend in BACKENDS:
        assert callers_allowed_by(policies[backend]) == set(CALLERS[backend]), backend
    # nobody calls the mailer (probes come from the node): only the metrics port is open
    assert policies[MAILER]["spec"]["ingress"] == [{"ports": [{"port": METRICS_PORT, "protocol": "TCP"}]}]
    # the gateway is the public entry: its port from any source by default
    assert {"ports": [{"port": HTTP_PORT, "protocol": "TCP"}]} in policies[GATEWAY]["spec"]["ingress"]


def test_admin_peers_reach_only_the_admin_component() -> None:
    job = {"podSelector": {"matchLabels": {"job": "portal-bootstrap"}}}
    policies = by_kind(render({"networkPolicy": {"adminFrom": [job]}}), "NetworkPolicy")
    assert job in policies["auth"]["spec"]["ingress"][0]["from"]
    for backend in set(BACKENDS) - {"auth"}:
        peers = [peer for rule in policies[backend]["spec"]["ingress"] for peer in rule.get("from", [])]
        assert job not in peers, backend


def test_network_policies_follow_disabled_components_and_can_be_turned_off() -> None:
    policies = by_kind(render({"components": {"mailer": {"enabled": False}}}), "NetworkPolicy")
    assert "mailer" not in policies
    assert callers_allowed_by(policies["billing"]) == {"gateway", "auth", "subscriptions"}
    assert callers_allowed_by(policies["subscriptions"]) == {"gateway", "auth"}  # auth: Manage Subscription links
    assert by_kind(render({"networkPolicy": {"enabled": False}}), "NetworkPolicy") == {}


def test_trusted_proxies_reach_the_gateway_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    manifests = render({"gateway": {"trustedProxies": ["10.0.0.0/8", "192.168.4.0/24"]}})
    gateway = env_of(only_container(by_kind(manifests, "Deployment")[GATEWAY]))
    assert gateway["PORTAL_TRUSTED_PROXIES"] == "10.0.0.0/8,192.168.4.0/24"
    as_process_env(gateway, monkeypatch)
    settings = GatewaySettings.load()
    proxies = TrustedProxies.parse(settings.trusted_proxies)
    assert proxies.client_ip("10.3.2.1", ["203.0.113.9"]) == "203.0.113.9"
    assert proxies.client_ip("172.16.0.1", ["203.0.113.9"]) == "172.16.0.1"
    for backend in BACKENDS:
        assert "PORTAL_TRUSTED_PROXIES" not in env_of(only_container(by_kind(manifests, "Deployment")[backend]))


def test_a_bad_trusted_proxy_stops_the_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "10.0.0.0/8,ingress")
    with pytest.raises(SystemExit, match="trusted_proxies: .*'ingress' is not an IP address or CIDR"):
        GatewaySettings.load()
