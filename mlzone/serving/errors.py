"""The errors InvokeEndpoint answers, as SageMaker names them (the emulator maps them to HTTP replies)."""

from __future__ import annotations


class InvokeError(Exception):
    """An InvokeEndpoint failure: SageMaker's error code, HTTP status and message."""

    code = "InternalFailure"
    status = 500

    def __init__(self, message: str, original_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.original_status = original_status


class ValidationError(InvokeError):
    """The request names no usable endpoint (unknown, not InService, no model package behind it)."""

    code = "ValidationError"
    status = 400


class ModelError(InvokeError):
    """The model container refused the request (bad body: original status 400) or failed (500)."""

    code = "ModelError"
    status = 424
