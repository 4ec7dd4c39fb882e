"""What the client raises: one class per kind of answer, each with the server's problem."""

from __future__ import annotations


class ClientError(Exception):
    """Base class of everything the vmsdq client raises."""


class TransportError(ClientError):
    """The server could not be reached (after the retries), or did not answer in time."""


class ApiError(ClientError):
    """The server answered with an error (application/problem+json).

    Attributes: ``status`` (HTTP status), ``code`` (not_found, invalid, forbidden, conflict,
    unavailable...), ``message`` (what is wrong, in words) and ``field`` (the offending
    parameter or body member, when there is one).
    """

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(status, code, message, field)
        self.status, self.code, self.message, self.field = status, code, message, field

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"HTTP {self.status} {self.code}: {self.message}{where}"


class BadRequestError(ApiError):
    """400: a parameter, the body or a value is wrong (``field`` says which)."""


class ForbiddenError(ApiError):
    """403: the token's role may not do this."""


class NotFoundError(ApiError):
    """404: no such run, entity, rule, subscription..."""


class ConflictError(ApiError):
    """409: the request clashes with the current state."""


class UnavailableError(ApiError):
    """503: a service behind the API is unavailable (retried first)."""


BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    503: UnavailableError,
}
