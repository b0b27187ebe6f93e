"""Reading one spec file safely: a bounded, UTF-8, regular file inside the zone folder, parsed as
YAML with bounded nesting and alias expansion and no duplicate keys; every failure is a `SpecError`
naming the file, never echoing more than a short excerpt of it."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

from modules.text import excerpt

MESSAGE_MAX = 2000  # the longest error message a spec can cause
SPEC_MAX_BYTES = 64 * 1024  # a spec is a few hundred bytes; anything this big is not one
YAML_MAX_DEPTH = 20  # nesting of mappings and lists, aliases expanded
YAML_MAX_NODES = 20_000  # scalars and collections after alias expansion (alias bombs stop here)


class SpecError(Exception):
    """A spec is invalid; the message is a user-facing paragraph (file, field, value, fix), bounded."""

    def __init__(self, message: str) -> None:
        if len(message) > MESSAGE_MAX:
            message = message[: MESSAGE_MAX - 40] + f"... (message cut at {MESSAGE_MAX} characters)"
        super().__init__(message)


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {excerpt(key, 40)} appears twice in one mapping (lines {seen[key]} and {line}); "
                    "fix: keep one of them",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep)


def _check_shape(file: Path, text: str) -> None:
    """Refuse nesting deeper than YAML_MAX_DEPTH and more than YAML_MAX_NODES nodes, aliases expanded,
    from the event stream (no recursion, no expansion), before anything is built."""
    nodes: dict[str, int] = {}  # anchor -> expanded node count
    heights: dict[str, int] = {}  # anchor -> expanded nesting depth
    stack: list[list[Any]] = [[None, 0, 0]]  # [anchor, nodes so far, deepest child]
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append([event.anchor, 1, 0])
            if len(stack) - 1 > YAML_MAX_DEPTH:
                raise SpecError(
                    f"{file}: nesting deeper than {YAML_MAX_DEPTH} levels at line {line}; "
                    "fix: a spec is a few levels deep, remove the extra nesting"
                )
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, count, height = stack.pop()
            size, height = count, height + 1
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size, height = event.anchor, 1, 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, size, height = None, nodes.get(event.anchor, 1), heights.get(event.anchor, 1)
        else:
            continue
        if anchor:
            nodes[anchor], heights[anchor] = size, height
        stack[-1][1] += size
        stack[-1][2] = max(stack[-1][2], height)
        if len(stack) - 1 + height > YAML_MAX_DEPTH:
            raise SpecError(
                f"{file}: nesting deeper than {YAML_MAX_DEPTH} levels (aliases expanded) at line {line}; "
                "fix: remove the extra nesting or the alias"
            )
        if sum(frame[1] for frame in stack) > YAML_MAX_NODES:
            raise SpecError(
                f"{file}: more than {YAML_MAX_NODES} values (aliases expanded) at line {line}; "
                "fix: a spec is small, remove the repeated aliases"
            )


def _read_text(file: Path, root: Path) -> str:
    """The spec file as text: a regular UTF-8 text file inside the zone folder, of bounded size."""
    try:
        zone, real = root.resolve(), file.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        raise SpecError(f"{file}: is a symbolic link that loops; fix: replace it with a YAML file") from None
    if real != zone and zone not in real.parents:
        raise SpecError(
            f"{file}: links to a file outside the zone folder {root}; "
            "fix: keep every spec inside the zone folder (copy the file instead of linking it)"
        )
    try:
        info = real.stat()
        if stat.S_ISDIR(info.st_mode):
            raise SpecError(f"{file}: is a directory, not a spec file; fix: replace it with a YAML file")
        if not stat.S_ISREG(info.st_mode):
            raise SpecError(f"{file}: is not a regular file; fix: replace it with a YAML file")
        if info.st_size > SPEC_MAX_BYTES:
            raise SpecError(
                f"{file}: is {info.st_size} bytes, over the {SPEC_MAX_BYTES // 1024} KiB limit of a "
                "spec; fix: a spec is a short YAML file, check this is the right file"
            )
        with open(real, "rb") as handle:
            data = handle.read(SPEC_MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError(
            f"{file}: file not found; fix: create it (see README 'Specs') or pass the right folder"
        ) from None
    except PermissionError:
        raise SpecError(f"{file}: cannot be read (permission denied); fix: make it readable") from None
    except OSError as exc:
        raise SpecError(f"{file}: cannot be read ({exc.strerror or type(exc).__name__}); fix: check the file") from None
    if len(data) > SPEC_MAX_BYTES:
        raise SpecError(
            f"{file}: is over the {SPEC_MAX_BYTES // 1024} KiB limit of a spec; fix: check this is the right file"
        )
    if b"\0" in data:
        raise SpecError(f"{file}: is binary, not YAML text; fix: replace it with a YAML spec")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{file}: is not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start}); "
            "fix: save the file as UTF-8"
        ) from None


def read_yaml(file: Path, root: Path) -> dict[str, Any]:
    """The top-level mapping of one spec file, which must stay inside the zone folder `root`."""
    text = _read_text(file, root)
    try:
        _check_shape(file, text)
        data = yaml.load(text, Loader=_SpecLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or type(exc).__name__
        raise SpecError(f"{file}: not valid YAML{where}: {problem[:300]}; fix: correct the syntax there") from None
    if not isinstance(data, dict):
        raise SpecError(
            f"{file}: expected a mapping of fields at the top level, got {type(data).__name__}; "
            "fix: write one field per line, e.g. name: ..."
        )
    return data
