"""checkov parses cdk.tf.json with libyaml instead of its pure-Python YAML loader (gate speed).

checkov's terraform_json runner reads each file with `checkov.common.parsers.yaml.loader.loads`,
whose `SafeLineLoader` (pure Python) records `__startline__`/`__endline__` on every mapping.
`install()` replaces that function, in this process, with the same hook on libyaml's
`yaml.CSafeLoader`: identical documents (tests/policies/test_fast_loader.py, on the example's stacks
and every fixture), ~11x faster (measured: 2.6 s -> 0.24 s for the 51 stacks of a 50-project zone).
Anything libyaml refuses goes to checkov's own loader, so errors and fallbacks stay checkov's.
No-op without libyaml, or with `MLZONE_GATE_PYYAML=1` (checkov's loader, for benchmark comparison).
Checked against checkov 3.3.30.
"""

from __future__ import annotations

import os

import yaml

PYYAML_ENV = "MLZONE_GATE_PYYAML"  # "1": keep checkov's pure-Python loader (benchmark comparison only)


def line_loader() -> type:
    """`yaml.CSafeLoader` with checkov's line-number hook and booleans (`SafeLineLoader`)."""
    from checkov.common.parsers.yaml.loader import SafeLineLoader

    class LineLoader(yaml.CSafeLoader):
        bool_values = SafeLineLoader.bool_values

        def construct_mapping(self, node, deep=False):
            mapping = super().construct_mapping(node, deep=deep)
            mapping["__startline__"] = node.start_mark.line + 1
            mapping["__endline__"] = node.end_mark.line + 1
            return mapping

    return LineLoader


def install() -> None:
    """Make checkov's `loader.loads` parse with `line_loader()` (once per process)."""
    from checkov.common.parsers.yaml import loader

    if not yaml.__with_libyaml__ or os.environ.get(PYYAML_ENV) == "1" or getattr(loader.loads, "libyaml", False):
        return
    python_loads, fast = loader.loads, line_loader()

    def loads(content: str) -> list:
        try:
            return list(yaml.load_all(content, Loader=fast))
        except Exception:  # noqa: BLE001 - checkov's loader decides what an unreadable file gives
            return python_loads(content)

    loads.libyaml = True  # type: ignore[attr-defined]
    loads.python = python_loads  # type: ignore[attr-defined]  # checkov's own, for comparison in tests
    loader.loads = loads
