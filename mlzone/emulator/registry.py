"""The registry of moto gap handlers: `@fills` records a handler next to its definition, `patch_moto`
installs them all.

A handler is set as attribute `attr` (default: the snake_case of its first operation, which is how moto's
response classes dispatch) of the class `on` ("module:Class", imported only when installing). With
`wraps=True` the handler receives the attribute's original value and returns the replacement; with
`static=True` the result is installed as a staticmethod.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mlzone.emulator import gaps

Handler = TypeVar("Handler", bound=Callable[..., Any])


@dataclass(frozen=True)
class Fill:
    """One registered handler: the moto API it fills and where it is installed."""

    service: str  # the boto3 client name, e.g. "sagemaker"
    operations: tuple[str, ...]  # the API operations it fills, e.g. ("CreateModel",)
    on: str  # "module:Class" the handler is installed on
    attr: str
    handler: Callable[..., Any]
    wraps: bool
    static: bool


FILLS: list[Fill] = []
_installed: list[Fill] = []  # what patch_moto has installed in this process


def snake_case(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def fills(
    service: str, *operations: str, on: str, attr: str | None = None, wraps: bool = False, static: bool = False
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of `operations` of `service` (see the module docstring)."""
    if not operations:
        raise ValueError("fills() needs at least one operation")

    def register(handler: Handler) -> Handler:
        FILLS.append(Fill(service, operations, on, attr or snake_case(operations[0]), handler, wraps, static))
        return handler

    return register


def load() -> list[Fill]:
    """Import every module of `mlzone.emulator.gaps` (each registers its handlers) and return the registry."""
    for module in pkgutil.iter_modules(gaps.__path__):
        importlib.import_module(f"{gaps.__name__}.{module.name}")
    return FILLS


def patch_moto() -> None:
    """Install every registered gap handler into moto (idempotent)."""
    for fill in load():
        if fill in _installed:
            continue
        module, _, name = fill.on.partition(":")
        target = getattr(importlib.import_module(module), name)
        value = fill.handler(getattr(target, fill.attr)) if fill.wraps else fill.handler
        setattr(target, fill.attr, staticmethod(value) if fill.static else value)
        _installed.append(fill)
