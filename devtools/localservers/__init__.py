"""Real local servers for the local run and the tests (PostgreSQL, a Kafka-protocol broker, a fake Stripe).

Development and test tooling only: nothing under `libs/` or `services/` imports it, and the production image
does not ship it.
"""

from devtools.localservers.broker import KafkaServer, start_kafka, tansu_binary
from devtools.localservers.otlp_sink import OtlpSink, ReceivedSpan
from devtools.localservers.postgres import (
    ContainerPostgres,
    PostgresLike,
    PostgresServer,
    docker_available,
    postgres_bin_dir,
    start_postgres,
    start_postgres_auto,
)
from devtools.localservers.processes import (
    LOOPBACK,
    ManagedProcess,
    PortInUse,
    choose_port,
    ensure_port_free,
    free_port,
    process_group_alive,
    refusing_port,
    wait_for_port,
)
from devtools.localservers.stripe import StripeServer, start_localstripe

__all__ = [
    "LOOPBACK",
    "ContainerPostgres",
    "KafkaServer",
    "ManagedProcess",
    "OtlpSink",
    "PortInUse",
    "PostgresLike",
    "PostgresServer",
    "ReceivedSpan",
    "StripeServer",
    "choose_port",
    "docker_available",
    "ensure_port_free",
    "free_port",
    "postgres_bin_dir",
    "process_group_alive",
    "refusing_port",
    "start_kafka",
    "start_localstripe",
    "start_postgres",
    "start_postgres_auto",
    "tansu_binary",
    "wait_for_port",
]
