"""Domain errors. Services raise these; the gRPC edge turns them into status codes with the same message."""

from __future__ import annotations

import grpc


class DomainError(Exception):
    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE


class ResourceExhausted(DomainError):
    """Too many requests of one kind from one caller in a short time; the message says when to try again."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Aborted(DomainError):
    """A concurrent request got there first (e.g. one with the same Idempotency-Key); retrying is safe."""

    code = grpc.StatusCode.ABORTED


_BY_CODE: dict[grpc.StatusCode, type[DomainError]] = {
    cls.code: cls
    for cls in (
        InvalidArgument,
        NotFound,
        AlreadyExists,
        FailedPrecondition,
        Unauthenticated,
        PermissionDenied,
        Unavailable,
        ResourceExhausted,
        Aborted,
    )
}


def error_for_status(code: grpc.StatusCode, message: str, param: str | None = None) -> DomainError:
    """The domain error a caller sees for a gRPC status (unknown codes become Unavailable)."""
    return _BY_CODE.get(code, Unavailable)(message, param)
