"""Reaching a secured Kafka: TLS and SASL settings, checked at start and handed to every aiokafka client."""

from __future__ import annotations

import ast
import datetime
import os
import ssl
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal_kit import consumer as consumer_module
from portal_kit import kafka_topics
from portal_kit.consumer import IdempotentConsumer
from portal_kit.settings import KafkaSettings, ServiceSettings, kafka_client_options


class ExampleSettings(ServiceSettings):
    service_name: ClassVar[str] = "example"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("PORTAL_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    """A self-signed CA certificate in PEM, like the ca.crt a Secret mounts into the pod."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kafka-ca")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "ca.crt"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def sasl_ssl_env(monkeypatch: pytest.MonkeyPatch, ca_file: Path) -> None:
    monkeypatch.setenv("PORTAL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("PORTAL_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("PORTAL_KAFKA_SASL_USERNAME", "portal")
    monkeypatch.setenv("PORTAL_KAFKA_SASL_PASSWORD", "s3cret-password")
    monkeypatch.setenv("PORTAL_KAFKA_SSL_CAFILE", str(ca_file))


def test_a_plaintext_broker_needs_no_options() -> None:
    assert KafkaSettings().security_protocol == "PLAINTEXT"
    assert kafka_client_options() == {}


def test_sasl_over_tls_options(monkeypatch: pytest.MonkeyPatch, ca_file: Path) -> None:
    sasl_ssl_env(monkeypatch, ca_file)
    options = kafka_client_options()
    context = options.pop("ssl_context")
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "kafka-ca"),),)]
    assert options == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "portal",
        "sasl_plain_password": "s3cret-password",
    }


def test_tls_without_sasl_sends_no_credentials(monkeypatch: pytest.MonkeyPatch, ca_file: Path) -> None:
    monkeypatch.setenv("PORTAL_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("PORTAL_KAFKA_SSL_CAFILE", str(ca_file))
    options = kafka_client_options()
    assert set(options) == {"security_protocol", "ssl_context"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PORTAL_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "PORTAL_KAFKA_SASL_USERNAME": "portal"},
            "PORTAL_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs PORTAL_KAFKA_SASL_USERNAME and PORTAL_KAFKA_SASL_PASSWORD",
        ),
        ({"PORTAL_KAFKA_SSL_CERTFILE": "/etc/kafka/tls.crt"}, "PORTAL_KAFKA_SSL_CERTFILE and PORTAL_KAFKA_SSL_KEYFILE"),
        ({"PORTAL_KAFKA_SECURITY_PROTOCOL": "TLS"}, "security_protocol: Input should be 'PLAINTEXT'"),
        (
            {"PORTAL_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "PORTAL_KAFKA_SASL_MECHANISM": "GSSAPI"},
            "sasl_mechanism: Input should be 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'",
        ),
    ],
)
def test_an_incomplete_security_setting_stops_the_service(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match="example: refusing to start: .*" + message.replace("(", r"\(")):
        ExampleSettings.load()


async def test_aiokafka_clients_accept_the_options(monkeypatch: pytest.MonkeyPatch, ca_file: Path) -> None:
    """aiokafka checks the combination at construction (e.g. SSL without a context is refused)."""
    sasl_ssl_env(monkeypatch, ca_file)
    producer = AIOKafkaProducer(bootstrap_servers="kafka:9093", **kafka_client_options())
    consumer = AIOKafkaConsumer(bootstrap_servers="kafka:9093", **kafka_client_options())
    admin = AIOKafkaAdminClient(bootstrap_servers="kafka:9093", **kafka_client_options())
    for client in (producer.client, consumer._client, admin._client):
        assert client._security_protocol == "SASL_SSL"
        assert client._sasl_mechanism == "SCRAM-SHA-256"
        assert client._sasl_plain_username == "portal"
    await producer.stop()
    await consumer.stop()
    await admin.close()


class Recorded(Exception):
    """Raised by the stand-in clients once they have recorded how they were built."""


async def test_producers_consumers_and_topic_creation_use_the_options(
    monkeypatch: pytest.MonkeyPatch, ca_file: Path
) -> None:
    sasl_ssl_env(monkeypatch, ca_file)
    built: list[dict[str, Any]] = []

    def recording(**config: Any) -> Any:
        built.append(config)
        raise Recorded

    monkeypatch.setattr(kafka_topics, "AIOKafkaProducer", recording)
    monkeypatch.setattr(kafka_topics, "AIOKafkaAdminClient", recording)
    monkeypatch.setattr(consumer_module, "AIOKafkaConsumer", recording)

    with pytest.raises(Recorded):
        await kafka_topics.started_producer(bootstrap_servers="kafka:9093", linger_ms=0)
    with pytest.raises(Recorded):
        await kafka_topics.ensure_topics("kafka:9093", ["billing.invoice_sent.v1"])
    consumer = IdempotentConsumer(db=None, bootstrap="kafka:9093", topics=["t"], name="n", handler=None)  # type: ignore[arg-type]  # never reaches the database
    with pytest.raises(Recorded):
        await consumer.run()

    assert len(built) == 3
    for config in built:
        assert config["bootstrap_servers"] == "kafka:9093"
        assert config["security_protocol"] == "SASL_SSL"
        assert config["sasl_plain_password"] == "s3cret-password"
        assert isinstance(config["ssl_context"], ssl.SSLContext)


def test_every_kafka_client_in_the_code_gets_the_options() -> None:
    """A client built without `**kafka_client_options()` would ignore TLS/SASL: none may be added that way."""
    root = Path(__file__).resolve().parents[3]
    sources = [*root.glob("services/**/*.py"), *root.glob("libs/portal_kit/**/*.py")]
    clients = ("AIOKafkaConsumer", "AIOKafkaProducer", "AIOKafkaAdminClient")
    built = []
    for path in [p for p in sources if "tests" not in p.parts]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in clients:
                spread = [ast.unparse(k.value) for k in node.keywords if k.arg is None]
                built.append(path.name)
                assert any("kafka_client_options()" in s for s in spread), f"{path}:{node.lineno}"
    assert {"caches.py", "consumer.py", "kafka_topics.py"} <= set(built)  # the scan sees the real clients
