"""The chart as a team installs it: every rendered manifest valid for the Kubernetes versions the README supports,
every component production-ready (probes, resources, non-root, read-only root, PDB, NetworkPolicy), every env var
one the code reads, and the values schema refusing mistakes. For the default values and values-production.yaml.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python
import jsonschema
import kubernetes_validate
import pytest
from opentelemetry.sdk import environment_variables as otel_environment_variables
from portal_kit.service_auth import ADMIN, ADMIN_TOKEN_ENV, CALLERS, SERVICE_NAME_ENV, token_env
from pydantic_settings import BaseSettings

from services.gateway.settings import GatewaySettings
from services.mailer.settings import MailerSettings
from tests.helm.test_chart import (
    CHART_DIR,
    FAKE_SECRET,
    FULLNAME,
    GATEWAY,
    MAILER,
    UPSTREAMS,
    Manifest,
    as_process_env,
    by_kind,
    env_of,
    only_container,
    render,
)

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_VALUES = CHART_DIR / "values-production.yaml"
# The README supports Kubernetes 1.27 (Chart.yaml kubeVersion) and newer: the oldest and the newest schemas the
# pinned kubernetes-validate ships (offline, inside the package).
KUBERNETES_VERSIONS = ("1.27", kubernetes_validate.latest_version())
COMPONENTS = (GATEWAY, *UPSTREAMS, MAILER)
WITH_DATABASE = (*UPSTREAMS, MAILER)
METRICS_PORT = 9464
GRACE_SECONDS = 20
PRE_STOP_SECONDS = 5
KAFKA_TLS_DIR = "/etc/portal/kafka-tls"

# Env vars the chart sets whose reading code is being built on another branch at the same time (issue 11), with
# that branch. /work/coordination/chart.md; each goes as soon as its code is on main.
AWAITING_CODE: dict[str, str] = {}

# The parts of the Prometheus Operator's ServiceMonitor CRD (monitoring.coreos.com/v1) the chart uses; the CRD is
# not among the Kubernetes schemas.
SERVICE_MONITOR_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["selector", "endpoints"],
            "properties": {
                "selector": {
                    "type": "object",
                    "properties": {"matchLabels": {"type": "object", "additionalProperties": {"type": "string"}}},
                },
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string"},
                            "interval": {"type": "string", "pattern": r"^(0|(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?)$"},
                            "scrapeTimeout": {
                                "type": "string",
                                "pattern": r"^(0|(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?)$",
                            },
                        },
                    },
                },
            },
        },
    },
}


def production_values() -> dict[str, Any]:
    values: dict[str, Any] = helm_python.values_from_yaml(PRODUCTION_VALUES.read_text())
    return values


VALUE_SETS = {"default": lambda: None, "production": production_values}


@pytest.fixture(scope="module", params=sorted(VALUE_SETS))
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[Manifest]]:
    return request.param, render(VALUE_SETS[request.param]())


@pytest.fixture(scope="module")
def production() -> list[Manifest]:
    return render(production_values())


def jobs(manifests: list[Manifest]) -> dict[str, Manifest]:
    """Migration Jobs keyed by the component they migrate."""
    return {name.removesuffix("-migrate"): job for name, job in by_kind(manifests, "Job").items()}


def containers(manifests: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    """Every container of every Deployment and Job, with the manifest's name."""
    for manifest in manifests:
        if manifest["kind"] in ("Deployment", "Job"):
            for container in manifest["spec"]["template"]["spec"]["containers"]:
                yield manifest["metadata"]["name"], container


# Kubernetes schemas.


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_kubernetes(rendered: tuple[str, list[Manifest]], version: str) -> None:
    """Strict validation (unknown fields are errors) against the pinned package's own schemas, offline."""
    values, manifests = rendered
    kinds = set()
    for manifest in manifests:
        kinds.add(manifest["kind"])
        if manifest["kind"] == "ServiceMonitor":
            jsonschema.validate(manifest, SERVICE_MONITOR_SCHEMA)
            continue
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as invalid:
            where = ".".join(str(part) for part in invalid.path)
            pytest.fail(f"{values}: {manifest['kind']} {manifest['metadata']['name']}: {where}: {invalid.message}")
    expected = {
        "Deployment",
        "Service",
        "Job",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "Ingress",
    }
    assert expected <= kinds, values
    assert ("ServiceMonitor" in kinds) == (values == "production")


def test_the_validator_catches_an_invalid_manifest(default_manifests: list[Manifest]) -> None:
    """The validation above is not vacuous: a wrong field type is reported."""
    deployment = by_kind(default_manifests, "Deployment")[GATEWAY]
    broken = {**deployment, "spec": {**deployment["spec"], "revisionHistoryLimit": "five"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)
    unknown = {**deployment, "spec": {**deployment["spec"], "replica": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(unknown, KUBERNETES_VERSIONS[0], strict=True)


@pytest.fixture(scope="module")
def default_manifests() -> list[Manifest]:
    return render()


def test_the_chart_lints_with_the_production_values() -> None:
    report = helm_python.lint(CHART_DIR, values=production_values(), strict=True)
    assert report["errors"] == []


# Every component, production-ready.


def test_every_component_is_production_ready(rendered: tuple[str, list[Manifest]]) -> None:
    values, manifests = rendered
    deployments = by_kind(manifests, "Deployment")
    budgets = by_kind(manifests, "PodDisruptionBudget")
    policies = by_kind(manifests, "NetworkPolicy")
    assert sorted(deployments) == sorted(COMPONENTS), values
    for component, deployment in deployments.items():
        where = f"{values}: {component}"
        pod = deployment["spec"]["template"]["spec"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        container = only_container(deployment)
        for probe in ("livenessProbe", "readinessProbe"):
            assert {"grpc", "httpGet"} & set(container[probe]), where
            assert container[probe]["periodSeconds"] > 0, where
        resources = container["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"], where
        assert resources["limits"]["memory"], where
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["runAsUser"] != 0, where
        assert container["securityContext"]["runAsNonRoot"] is True, where
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, where
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, where
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], where  # noqa: S108 - the mount
        assert pod["automountServiceAccountToken"] is False, where
        assert budgets[component]["spec"]["selector"]["matchLabels"] == selector, where
        assert budgets[component]["spec"]["maxUnavailable"] == 1, where
        assert policies[component]["spec"]["podSelector"]["matchLabels"] == selector, where
        assert set(policies[component]["spec"]["policyTypes"]) == {"Ingress", "Egress"}, where


def test_pods_spread_over_zones_and_nodes(rendered: tuple[str, list[Manifest]]) -> None:
    values, manifests = rendered
    for component, deployment in by_kind(manifests, "Deployment").items():
        constraints = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert {c["topologyKey"] for c in constraints} == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
        for constraint in constraints:
            assert constraint["labelSelector"]["matchLabels"] == selector, (values, component)
            assert constraint["maxSkew"] == 1
    node_rule = next(
        c
        for c in only_pod(by_kind(render(production_values()), "Deployment")[GATEWAY])["topologySpreadConstraints"]
        if c["topologyKey"] == "kubernetes.io/hostname"
    )
    assert node_rule["whenUnsatisfiable"] == "DoNotSchedule"


def only_pod(deployment: Manifest) -> Manifest:
    pod: Manifest = deployment["spec"]["template"]["spec"]
    return pod


def test_shutdown_grace_outlasts_the_prestop_sleep_and_the_services_own_grace(
    rendered: tuple[str, list[Manifest]],
) -> None:
    values, manifests = rendered
    for component, deployment in by_kind(manifests, "Deployment").items():
        pod = only_pod(deployment)
        container = only_container(deployment)
        assert container["lifecycle"]["preStop"] == {"exec": {"command": ["sleep", str(PRE_STOP_SECONDS)]}}
        grace = int(env_of(container)["PORTAL_SHUTDOWN_GRACE_SECONDS"])
        assert grace == GRACE_SECONDS, (values, component)
        assert pod["terminationGracePeriodSeconds"] > grace + PRE_STOP_SECONDS, (values, component)
    longer = by_kind(render({"shutdown": {"graceSeconds": 50, "preStopSleepSeconds": 8}}), "Deployment")
    assert only_pod(longer["billing"])["terminationGracePeriodSeconds"] == 68
    assert env_of(only_container(longer["billing"]))["PORTAL_SHUTDOWN_GRACE_SECONDS"] == "50"


# Migrations.


def test_each_service_with_a_database_migrates_in_a_hook_job(rendered: tuple[str, list[Manifest]]) -> None:
    values, manifests = rendered
    deployments = by_kind(manifests, "Deployment")
    migrations = jobs(manifests)
    assert sorted(migrations) == sorted(WITH_DATABASE), values
    for component, job in migrations.items():
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
        pod = job["spec"]["template"]["spec"]
        assert pod["restartPolicy"] == "Never"
        container = only_container(job)
        server = only_container(deployments[component])
        assert (
            container["command"]
            == [*server["command"], "migrate"]
            == ["python", "-m", f"services.{component}", "migrate"]
        )
        assert container["image"] == server["image"]
        # the same configuration as the replicas: the same database, secret key and settings
        assert env_of(container) == env_of(server), component
        # it starts no server: no ports, no probes; and it is not selected as one of the component's pods
        assert "ports" not in container and "readinessProbe" not in container
        labels = job["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] == f"{component}-migrate"
        assert not deployments[component]["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["resources"]["requests"]["memory"]


def test_replicas_never_migrate_at_start(rendered: tuple[str, list[Manifest]]) -> None:
    """PORTAL_MIGRATE_ON_START is for the local run only; the chart neither sets it nor lets values set it."""
    values, manifests = rendered
    for name, container in containers(manifests):
        assert "PORTAL_MIGRATE_ON_START" not in env_of(container), (values, name)
    for where in (
        {"env": {"PORTAL_MIGRATE_ON_START": "true"}},
        {"components": {"billing": {"env": {"PORTAL_MIGRATE_ON_START": "1"}}}},
    ):
        with pytest.raises(helm_python.HelmRenderError, match="PORTAL_MIGRATE_ON_START must not be set here"):
            render(where)


def test_migration_pods_reach_only_dns_and_the_database(production: list[Manifest]) -> None:
    """A hook like the Jobs but created before them (lower weight), so it holds on the first install too."""
    policy = by_kind(production, "NetworkPolicy")["migrate"]
    assert policy["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(policy["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        next(iter(jobs(production).values()))["metadata"]["annotations"]["helm.sh/hook-weight"]
    )
    (expression,) = policy["spec"]["podSelector"]["matchExpressions"]
    assert expression["key"] == "app.kubernetes.io/component"
    for component, job in jobs(production).items():
        labels = job["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] in expression["values"], component
        assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items(), component
    assert sorted(expression["values"]) == sorted(f"{c}-migrate" for c in WITH_DATABASE)
    assert policy["spec"]["ingress"] == []
    assert egress_ports(policy) == {53, 5432}
    database_rule = policy["spec"]["egress"][1]
    assert database_rule["to"] == [{"ipBlock": {"cidr": "10.20.0.0/24"}}]


def test_migrations_can_be_left_to_the_operator() -> None:
    assert jobs(render({"migrations": {"enabled": False}})) == {}


# Env vars: every name the chart sets is one the code reads.


def _module_of(path: Path) -> str:
    relative = path.relative_to(ROOT / "libs" if path.is_relative_to(ROOT / "libs") else ROOT)
    return ".".join(relative.with_suffix("").parts)


def _source_files() -> list[Path]:
    files = [*ROOT.glob("services/**/*.py"), *ROOT.glob("libs/portal_kit/**/*.py")]
    return [f for f in files if "tests" not in f.parts and "migrations" not in f.parts]


def _settings_names() -> set[str]:
    """PORTAL_* names of every pydantic-settings model in the services and portal_kit (prefix + field)."""
    for path in _source_files():
        if "BaseSettings" in path.read_text():
            importlib.import_module(_module_of(path))
    names: set[str] = set()
    pending: list[type[BaseSettings]] = [BaseSettings]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith(("services.", "portal_kit.")):
            prefix = str(model.model_config.get("env_prefix", ""))
            names.update((prefix + field).upper() for field in model.model_fields)
    return names


def _environ_reads() -> set[str]:
    """Names read directly: os.environ.get("X"), os.getenv("X"), os.environ["X"], and settings' _service_env."""
    names: set[str] = set()
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            argument: ast.expr | None = None
            if isinstance(node, ast.Call) and node.args:
                function = ast.unparse(node.func)
                if function in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
                    argument = node.args[0]
                elif function == "_service_env" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant):
                    names.add(f"PORTAL_{node.args[1].value!s}")
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("os.environ", "environ"):
                argument = node.slice
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                names.add(argument.value)
    return names


def _configures_opentelemetry() -> bool:
    return any(re.search(r"^\s*(from|import) opentelemetry\.sdk", f.read_text(), re.M) for f in _source_files())


def names_the_code_reads() -> set[str]:
    names = _settings_names() | _environ_reads()
    names |= {token_env(caller) for caller in set().union(*CALLERS.values()) | {ADMIN}}
    names |= {ADMIN_TOKEN_ENV, SERVICE_NAME_ENV}
    if _configures_opentelemetry():  # the SDK reads the standard OTEL_* variables itself
        names |= {value for name, value in vars(otel_environment_variables).items() if name.startswith("OTEL_")}
    return names


@pytest.fixture(scope="module")
def read_by_code() -> set[str]:
    return names_the_code_reads()


def test_every_env_var_the_chart_sets_is_one_the_code_reads(
    rendered: tuple[str, list[Manifest]], read_by_code: set[str]
) -> None:
    values, manifests = rendered
    for name, container in containers(manifests):
        unknown = names_nobody_reads(env_of(container), read_by_code)
        assert not unknown, f"{values}: {name} sets {sorted(unknown)}, which no code reads"


def names_nobody_reads(env: dict[str, Any], read_by_code: set[str]) -> set[str]:
    awaiting = set(AWAITING_CODE)
    if not _configures_opentelemetry():  # observability's branch sets the SDK up; until then OTEL_* wait for it
        awaiting |= _otel_names()
    return set(env) - read_by_code - awaiting


def _otel_names() -> set[str]:
    return {value for name, value in vars(otel_environment_variables).items() if name.startswith("OTEL_")}


def test_a_name_no_code_reads_is_caught(read_by_code: set[str]) -> None:
    typo = render({"components": {"billing": {"env": {"PORTAL_DB_POOLSIZE": "8"}}}})
    env = env_of(only_container(by_kind(typo, "Deployment")["billing"]))
    assert names_nobody_reads(env, read_by_code) == {"PORTAL_DB_POOLSIZE"}


def test_the_env_check_sees_settings_fields_and_direct_reads(read_by_code: set[str]) -> None:
    """The check above would catch a typo: its list holds the real names and only them."""
    assert {"PORTAL_BASE_DOMAIN", "PORTAL_KAFKA_SASL_PASSWORD", "PORTAL_SMTP_STARTTLS"} <= read_by_code  # models
    assert {"PORTAL_DB_POOL_SIZE", "PORTAL_DATABASE_URL", "PORTAL_GRPC_PORT"} <= read_by_code  # direct reads
    assert {"PORTAL_SERVICE_TOKEN_GATEWAY", "PORTAL_ADMIN_TOKEN"} <= read_by_code
    assert "PORTAL_KAFKA_SASL_PASSWORDS" not in read_by_code
    assert "PORTAL_SMTP_STARTLS" not in read_by_code


def test_awaited_names_are_still_awaited_only_while_their_code_is_missing(read_by_code: set[str]) -> None:
    """A reminder that fails once another branch's code reads an awaited name: then it leaves AWAITING_CODE."""
    landed = {name: branch for name, branch in AWAITING_CODE.items() if name in read_by_code}
    if landed:
        pytest.xfail(f"read by code now, remove from AWAITING_CODE: {landed}")


# Settings read from the rendered production env.


def test_production_settings_read_the_rendered_env(production: list[Manifest], monkeypatch: pytest.MonkeyPatch) -> None:
    deployments = by_kind(production, "Deployment")
    mailer = only_container(deployments[MAILER])
    as_process_env(env_of(mailer), monkeypatch)
    settings = MailerSettings.load()
    kafka = settings.kafka
    assert kafka.security_protocol == "SASL_SSL"
    assert kafka.sasl_mechanism == "SCRAM-SHA-512"
    assert (kafka.sasl_username, kafka.sasl_password.get_secret_value()) == (FAKE_SECRET, FAKE_SECRET)
    assert kafka.ssl_cafile == f"{KAFKA_TLS_DIR}/ca.crt"
    assert kafka.idempotence is True
    assert kafka.bootstrap.count(":9093") == 3
    assert settings.mail.smtp_username == FAKE_SECRET
    assert os.environ["PORTAL_DB_POOL_SIZE"] == "4"
    gateway = only_container(deployments[GATEWAY])
    as_process_env(env_of(gateway), monkeypatch)
    gateway_settings = GatewaySettings.load()
    assert gateway_settings.kafka.security_protocol == "SASL_SSL"
    assert gateway_settings.trusted_proxies == "10.244.0.0/16"
    assert gateway_settings.base_domain == "billing.example.com"


def test_kafka_tls_material_is_mounted_from_its_secret(production: list[Manifest]) -> None:
    for name, manifest in {**by_kind(production, "Deployment"), **by_kind(production, "Job")}.items():
        pod = only_pod(manifest)
        container = only_container(manifest)
        assert {"name": "kafka-tls", "mountPath": KAFKA_TLS_DIR, "readOnly": True} in container["volumeMounts"], name
        volume = next(v for v in pod["volumes"] if v["name"] == "kafka-tls")
        assert volume["secret"]["secretName"] == "kafka-ca"
        assert volume["secret"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]
        env = env_of(container)
        assert env["PORTAL_KAFKA_SASL_PASSWORD"] == {"secretKeyRef": {"name": "kafka-credentials", "key": "password"}}


def test_kafka_security_follows_the_values(default_manifests: list[Manifest]) -> None:
    env = env_of(only_container(by_kind(default_manifests, "Deployment")["billing"]))
    assert env["PORTAL_KAFKA_SECURITY_PROTOCOL"] == "PLAINTEXT"
    assert not [name for name in env if name.startswith(("PORTAL_KAFKA_SASL", "PORTAL_KAFKA_SSL"))]
    tls_only = by_kind(render({"kafka": {"tls": {"enabled": True}}}), "Deployment")["billing"]
    env = env_of(only_container(tls_only))
    assert env["PORTAL_KAFKA_SECURITY_PROTOCOL"] == "SSL"
    assert "PORTAL_KAFKA_SSL_CAFILE" not in env  # the system's CAs
    assert "kafka-tls" not in [v["name"] for v in only_pod(tls_only)["volumes"]]
    mutual = {"tls": {"enabled": True, "existingSecret": "kafka-client", "certKey": "tls.crt", "keyKey": "tls.key"}}
    deployment = by_kind(render({"kafka": mutual}), "Deployment")["auth"]
    env = env_of(only_container(deployment))
    assert env["PORTAL_KAFKA_SSL_CERTFILE"] == f"{KAFKA_TLS_DIR}/tls.crt"
    assert env["PORTAL_KAFKA_SSL_KEYFILE"] == f"{KAFKA_TLS_DIR}/tls.key"
    volume = next(v for v in only_pod(deployment)["volumes"] if v["name"] == "kafka-tls")
    assert [item["path"] for item in volume["secret"]["items"]] == ["ca.crt", "tls.crt", "tls.key"]
    from_secret = {"bootstrapSecret": {"existingSecret": "kafka-endpoints", "key": "servers"}}
    env = env_of(only_container(by_kind(render({"kafka": from_secret}), "Deployment")[GATEWAY]))
    assert env["PORTAL_KAFKA_BOOTSTRAP"] == {"secretKeyRef": {"name": "kafka-endpoints", "key": "servers"}}
    with pytest.raises(helm_python.HelmRenderError, match="kafka.sasl.existingSecret is required"):
        render({"kafka": {"sasl": {"enabled": True}}})


def test_secrets_are_only_referenced(rendered: tuple[str, list[Manifest]]) -> None:
    """No Secret is rendered, and every sensitive variable comes from a secretKeyRef."""
    values, manifests = rendered
    assert "Secret" not in {m["kind"] for m in manifests}
    sensitive = re.compile(r"(SECRET|TOKEN|PASSWORD|DATABASE_URL|ENCRYPTION_KEY|USERNAME)")
    for name, container in containers(manifests):
        for variable, value in env_of(container).items():
            if sensitive.search(variable):
                assert set(value) == {"secretKeyRef"}, (values, name, variable)


def test_only_billing_holds_the_encryption_key(rendered: tuple[str, list[Manifest]]) -> None:
    values, manifests = rendered
    for component, deployment in by_kind(manifests, "Deployment").items():
        env = env_of(only_container(deployment))
        if component == "billing":
            ref = {"secretKeyRef": {"name": "billing-portal-encryption-key", "key": "encryption-key"}}
            assert env["PORTAL_ENCRYPTION_KEY"] == ref
        else:
            assert "PORTAL_ENCRYPTION_KEY" not in env, (values, component)


def test_pool_sizes_are_per_component(rendered: tuple[str, list[Manifest]]) -> None:
    values, manifests = rendered
    deployments = by_kind(manifests, "Deployment")
    sizes = {c: env_of(only_container(deployments[c])).get("PORTAL_DB_POOL_SIZE") for c in COMPONENTS}
    assert sizes[GATEWAY] is None
    expected = {"default": ("16", "16", "8", "8", "4"), "production": ("12", "16", "8", "8", "4")}[values]
    assert tuple(sizes[c] for c in WITH_DATABASE) == expected


# Ingress.


def ingress_of(manifests: list[Manifest]) -> Manifest:
    (ingress,) = [m for m in manifests if m["kind"] == "Ingress"]
    return ingress


def test_ingress_serves_every_business_and_the_api(production: list[Manifest]) -> None:
    ingress = ingress_of(production)
    service = by_kind(production, "Service")[GATEWAY]
    hosts = ["*.billing.example.com", "api.billing.example.com"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == hosts
    for rule in ingress["spec"]["rules"]:
        (path,) = rule["http"]["paths"]
        assert path["path"] == "/" and path["pathType"] == "Prefix"
        assert path["backend"]["service"] == {"name": service["metadata"]["name"], "port": {"name": "http"}}
    assert ingress["spec"]["tls"] == [{"hosts": hosts, "secretName": "billing-portal-tls"}]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt-dns"
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "2m"
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "30"
    assert annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"] == "30"
    assert annotations["nginx.ingress.kubernetes.io/proxy-connect-timeout"] == "5"


def test_ingress_defaults_to_the_base_domain_and_an_existing_tls_secret(default_manifests: list[Manifest]) -> None:
    ingress = ingress_of(default_manifests)
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["*.portal.example.com", "portal.example.com"]
    assert ingress["spec"]["tls"][0]["secretName"] == "billing-portal-tls"
    assert not [a for a in ingress["metadata"]["annotations"] if a.startswith("cert-manager.io")]
    assert "ingressClassName" not in ingress["spec"]


def test_ingress_options() -> None:
    issuer = render({"ingress": {"tls": {"certManager": {"enabled": True, "issuer": "dns01"}}, "nginx": False}})
    annotations = ingress_of(issuer)["metadata"]["annotations"]
    assert annotations == {"cert-manager.io/issuer": "dns01"}
    plain = ingress_of(render({"ingress": {"tls": {"enabled": False}, "annotations": {"team": "billing"}}}))
    assert "tls" not in plain["spec"]
    assert plain["metadata"]["annotations"]["team"] == "billing"
    assert "nginx.ingress.kubernetes.io/ssl-redirect" not in plain["metadata"]["annotations"]
    assert [m for m in render({"ingress": {"enabled": False}}) if m["kind"] == "Ingress"] == []
    with pytest.raises(helm_python.HelmRenderError, match="certManager.enabled needs .*clusterIssuer or .issuer"):
        render({"ingress": {"tls": {"certManager": {"enabled": True}}}})


HTTP_ROUTE_SCHEMA = {  # the parts of the Gateway API's HTTPRoute (gateway.networking.k8s.io/v1) the chart uses
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "gateway.networking.k8s.io/v1"},
        "kind": {"const": "HTTPRoute"},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["parentRefs", "hostnames", "rules"],
            "properties": {
                "parentRefs": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["name"]}},
                "hostnames": {
                    "type": "array",
                    "items": {"type": "string", "pattern": r"^(\*\.)?[a-z0-9]([-a-z0-9.]*)$"},
                },
                "rules": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "matches": {"type": "array"},
                            "backendRefs": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["name", "port"],
                                    "properties": {"name": {"type": "string"}, "port": {"type": "integer"}},
                                },
                            },
                            "timeouts": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "request": {"type": "string", "pattern": r"^([0-9]{1,5}(h|m|s|ms)){1,4}$"}
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_gateway_api_route_instead_of_the_ingress() -> None:
    parent = {"name": "public", "namespace": "gateway-system", "sectionName": "https"}
    values = {"ingress": {"enabled": False, "apiHost": "api.billing.example.com"}}
    values |= {"httpRoute": {"enabled": True, "parentRefs": [parent]}, "gateway": {"baseDomain": "billing.example.com"}}
    manifests = render(values)
    assert [m for m in manifests if m["kind"] == "Ingress"] == []
    (route,) = [m for m in manifests if m["kind"] == "HTTPRoute"]
    jsonschema.validate(route, HTTP_ROUTE_SCHEMA)
    service = by_kind(manifests, "Service")[GATEWAY]
    assert route["spec"]["parentRefs"] == [parent]
    assert route["spec"]["hostnames"] == ["*.billing.example.com", "api.billing.example.com"]
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert rule["backendRefs"] == [{"name": service["metadata"]["name"], "port": service["spec"]["ports"][0]["port"]}]
    assert rule["timeouts"] == {"request": "30s"}
    assert [m for m in render() if m["kind"] == "HTTPRoute"] == []
    with pytest.raises(helm_python.HelmRenderError, match="httpRoute.enabled replaces the Ingress"):
        render({"httpRoute": {"enabled": True, "parentRefs": [parent]}})
    with pytest.raises(helm_python.HelmRenderError, match="httpRoute.parentRefs: name the Gateway"):
        render({"ingress": {"enabled": False}, "httpRoute": {"enabled": True}})


# Network policies: egress.


def egress_ports(policy: Manifest) -> set[int]:
    return {port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"]}


def test_egress_goes_only_where_each_component_needs(production: list[Manifest]) -> None:
    policies = by_kind(production, "NetworkPolicy")
    dns, kafka, database, smtp, stripe, otlp, grpc = 53, 9093, 5432, 587, 443, 4317, 50051
    assert egress_ports(policies[GATEWAY]) == {dns, kafka, otlp, grpc}
    assert egress_ports(policies["auth"]) == {dns, kafka, database, otlp, grpc}
    assert egress_ports(policies["billing"]) == {dns, kafka, database, stripe, otlp}
    assert egress_ports(policies["subscriptions"]) == {dns, kafka, database, otlp, grpc}  # calls billing
    assert egress_ports(policies[MAILER]) == {dns, kafka, database, smtp, otlp, grpc}
    stripe_rule = next(r for r in policies["billing"]["spec"]["egress"] if r["ports"][0]["port"] == stripe)
    assert stripe_rule["to"][0]["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert "10.0.0.0/8" in stripe_rule["to"][0]["ipBlock"]["except"]
    grpc_peers = [
        rule["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for rule in policies[GATEWAY]["spec"]["egress"]
        if rule["ports"] == [{"port": grpc, "protocol": "TCP"}]
    ]
    assert sorted(grpc_peers) == sorted(UPSTREAMS)


def test_ingress_peers_for_the_gateway_and_metrics(production: list[Manifest]) -> None:
    policies = by_kind(production, "NetworkPolicy")
    gateway_rules = policies[GATEWAY]["spec"]["ingress"]
    ingress_nginx = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    monitoring = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    assert {"ports": [{"port": 8080, "protocol": "TCP"}], "from": [ingress_nginx]} in gateway_rules
    for component in COMPONENTS:
        policy = policies[component]
        metrics_rule = {"ports": [{"port": METRICS_PORT, "protocol": "TCP"}], "from": [monitoring]}
        assert metrics_rule in policy["spec"]["ingress"], component


def test_egress_can_be_left_open(default_manifests: list[Manifest]) -> None:
    policy = by_kind(render({"networkPolicy": {"egress": {"enabled": False}}}), "NetworkPolicy")["billing"]
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert "egress" not in policy["spec"]
    smtp_rule = by_kind(render({"mail": {"smtpPort": 2525}}), "NetworkPolicy")[MAILER]["spec"]["egress"]
    assert {"ports": [{"port": 2525, "protocol": "TCP"}]} in smtp_rule


# Observability.


def test_metrics_port_on_every_component(rendered: tuple[str, list[Manifest]]) -> None:
    values, manifests = rendered
    services = by_kind(manifests, "Service")
    for component, deployment in by_kind(manifests, "Deployment").items():
        container = only_container(deployment)
        assert {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"} in container["ports"]
        assert env_of(container)["PORTAL_METRICS_PORT"] == str(METRICS_PORT)
        service_ports = {p["name"]: p["port"] for p in services[component]["spec"]["ports"]}
        assert service_ports["metrics"] == METRICS_PORT, (values, component)
    off = by_kind(render({"metrics": {"enabled": False}}), "Deployment")
    for component, deployment in off.items():
        assert "PORTAL_METRICS_PORT" not in env_of(only_container(deployment)), component
        assert [p["name"] for p in only_container(deployment)["ports"]] == ["grpc" if component != GATEWAY else "http"]


def test_service_monitors_scrape_every_component(production: list[Manifest]) -> None:
    monitors = by_kind(production, "ServiceMonitor")
    services = by_kind(production, "Service")
    assert sorted(monitors) == sorted(COMPONENTS)
    for component, monitor in monitors.items():
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        assert monitor["spec"]["selector"]["matchLabels"] == services[component]["spec"]["selector"]
        assert monitor["spec"]["endpoints"] == [
            {"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
        ]


def test_tracing_env_points_at_the_collector(production: list[Manifest], default_manifests: list[Manifest]) -> None:
    for component, deployment in by_kind(production, "Deployment").items():
        env = env_of(only_container(deployment))
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.observability:4317"
        assert env["OTEL_SERVICE_NAME"] == component
        assert env["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
        assert env["OTEL_TRACES_SAMPLER_ARG"] == "0.05"
        assert env["OTEL_RESOURCE_ATTRIBUTES"] == f"service.namespace={FULLNAME},deployment.environment=production"
    for component, deployment in by_kind(default_manifests, "Deployment").items():
        assert not [n for n in env_of(only_container(deployment)) if n.startswith("OTEL_")], component


# values.schema.json.


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"components": {"gateway": {"replicas": "two"}}},
            "at '/components/gateway/replicas': got string, want integer",
        ),
        ({"ingres": {"enabled": True}}, "additional properties 'ingres' not allowed"),
        ({"components": {"billing": {"databse": {}}}}, "at '/components/billing': additional properties 'databse'"),
        ({"metrics": {"port": 70000}}, "at '/metrics/port'"),
        ({"tracing": {"sampleRatio": 2}}, "at '/tracing/sampleRatio'"),
        ({"gateway": {"baseDomain": "Portal Example"}}, "at '/gateway/baseDomain'"),
        ({"gateway": {"trustedProxies": "10.0.0.0/8"}}, "at '/gateway/trustedProxies': got string, want array"),
        ({"kafka": {"sasl": {"mechanism": "GSSAPI"}}}, "at '/kafka/sasl/mechanism'"),
        ({"components": {"auth": {"database": {"poolSize": 0}}}}, "at '/components/auth/database/poolSize'"),
        ({"components": {"auth": {"protocol": "tcp"}}}, "at '/components/auth/protocol'"),
        ({"shutdown": {"graceSeconds": "20"}}, "at '/shutdown/graceSeconds': got string, want integer"),
        ({"env": {"bad-name": "x"}}, "bad-name"),
    ],
)
def test_the_schema_refuses_wrong_types_and_unknown_keys(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm_python.HelmValuesError, match="billing-portal") as refused:
        render(values)
    assert message in str(refused.value)


def test_the_production_values_use_only_known_keys() -> None:
    """values-production.yaml sets everything the defaults have (a full example), and nothing unknown."""
    defaults = helm_python.values_from_yaml((CHART_DIR / "values.yaml").read_text())
    production = production_values()
    missing = {key for key in defaults if key not in production} - {"nameOverride", "fullnameOverride", "env"}
    missing -= {"podSecurityContext", "securityContext", "tmpSizeLimit", "probes", "resources"}
    missing -= {"nodeSelector", "tolerations", "affinity"}
    assert not missing
    assert sorted(production["components"]) == sorted(COMPONENTS)
