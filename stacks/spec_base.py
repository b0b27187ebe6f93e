"""The base of every spec model (`SpecModel`) and the grammars several spec files share.

Kept apart from stacks/spec.py so a spec model in its own file (stacks/self_service_spec.py) builds on the
same base without importing the file that includes it. See stacks/spec.py for how spec text is kept out of
Terraform's template language.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from modules.naming import NAME_FIX, NAME_RE
from modules.text import excerpt, terraform_literal


def _name(value: str, what: str, max_len: int = 40, min_len: int = 2) -> str:
    if not NAME_RE.fullmatch(value) or "--" in value:
        raise ValueError(f"{what} {excerpt(value)} is not a valid name; fix: {NAME_FIX}")
    if len(value) > max_len:
        raise ValueError(f"{what} {excerpt(value)} is {len(value)} characters; fix: use at most {max_len}")
    if len(value) < min_len:
        raise ValueError(f"{what} {excerpt(value)} is {len(value)} characters; fix: use at least {min_len}")
    return value


def named(what: str, max_len: int = 40, min_len: int = 2) -> AfterValidator:
    """A pydantic validator for a resource name (`what` appears in the error)."""
    return AfterValidator(lambda value: _name(value, what, max_len, min_len))


def _literal(value: Any) -> Any:
    if isinstance(value, str):
        return terraform_literal(value)
    if isinstance(value, tuple):
        return tuple(_literal(v) for v in value)
    return value


class SpecModel(BaseModel):
    """Base for every spec model: unknown keys are refused, types are strict (no `true` for a number,
    no `"2"` for an integer), values are immutable, and every string is a Terraform literal."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _terraform_literal(cls, value: Any) -> Any:
        return _literal(value)


def items(description: str) -> Any:
    """A list field (YAML gives lists; the model keeps an immutable tuple)."""
    return Field((), strict=False, description=description)


ML_INSTANCE_RE = re.compile(r"ml\.[a-z][a-z0-9-]*\.[a-z0-9]+")


def _ml_instance(value: str) -> str:
    if not ML_INSTANCE_RE.fullmatch(value):
        raise ValueError(f"{excerpt(value)} is not a SageMaker instance type; fix: write it like ml.m5.large")
    return value


MlInstance = Annotated[str, AfterValidator(_ml_instance)]
