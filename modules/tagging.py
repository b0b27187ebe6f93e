"""The required tags, put on every taggable resource of a stack by one cdktf Aspect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsii
from cdktf import Aspects, IAspect, TerraformResource
from constructs import IConstruct

from modules.tag_keys import REQUIRED_TAG_KEYS


@dataclass(frozen=True, kw_only=True)
class RequiredTags:
    """The five tags every resource carries; all values must be non-empty."""

    team: str
    """Owning team."""
    project: str
    """Project name, or the platform name for shared resources."""
    cost_center: str
    """Cost allocation."""
    data_classification: str
    """public | internal | confidential | restricted."""
    managed_by: str = "mlzone"
    """The tool that owns the resource."""

    def __post_init__(self) -> None:
        empty = [k for k, v in self.as_dict().items() if not v]
        if empty:
            raise ValueError(f"required tags {empty} are empty; fix: give every tag a value")

    def as_dict(self) -> dict[str, str]:
        """The tags by key (`REQUIRED_TAG_KEYS`: each field, `_` written `-`)."""
        return {key: getattr(self, key.replace("-", "_")) for key in REQUIRED_TAG_KEYS}


_UNTAGGABLE = object()  # what `getattr` returns for a resource without a `tags` argument


@jsii.implements(IAspect)
class TagAspect:
    """Merges the required tags into every resource that has a `tags` argument (explicit tags win)."""

    def __init__(self, tags: RequiredTags) -> None:
        self._tags = tags.as_dict()

    def visit(self, node: IConstruct) -> None:
        # every resource class with `tags_input` has the `tags` setter; TerraformResource itself declares neither
        explicit: Any = getattr(node, "tags_input", _UNTAGGABLE) if isinstance(node, TerraformResource) else _UNTAGGABLE
        if explicit is not _UNTAGGABLE:  # read once: each read is a call into the jsii runtime
            node.tags = {**self._tags, **(explicit or {})}  # type: ignore[attr-defined]


def tag_everything(scope: IConstruct, tags: RequiredTags) -> None:
    """Apply the required tags to every resource below `scope`."""
    Aspects.of(scope).add(TagAspect(tags))
