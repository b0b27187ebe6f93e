"""Lazy AWS provider bindings: `cdktf_cdktf_provider_aws` loads only the submodules a synth uses.

The package's `__init__.py` (20.1.0) runs 2,135 `from . import <resource>` lines, most of every synth's
time. `install()` (called by `import mlzone`) puts a finder first on `sys.meta_path` that, for that one
package, executes its own `__init__` source without those lines and then gives the published module a
PEP 562 `__getattr__` that imports a submodule on first access. Everything else is unchanged: the jsii
assembly still loads in `_jsii`, and every submodule registers its jsii types when it is imported.
So that the jsii runtime can also deserialize a type from a submodule not imported yet, the finder
registers where each submodule lives (jsii's own lazy-loading map, `_submodule_fqn_map`).

The rewrite is pinned to the binding version it was checked against (`PINNED`): with any other version,
or with `MLZONE_EAGER_BINDINGS=1`, the package imports eagerly as published (with a warning on a
version mismatch). Nothing in site-packages is modified.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import re
import sys
import types
import warnings
from collections.abc import Sequence

PACKAGE = "cdktf_cdktf_provider_aws"
DISTRIBUTION = "cdktf-cdktf-provider-aws"
PINNED = "20.1.0"  # the version whose __init__.py this rewrite was checked against
EAGER_ENV = "MLZONE_EAGER_BINDINGS"  # "1": import the bindings eagerly, as published
ASSEMBLY = "@cdktf/provider-aws"  # jsii assembly: submodule `s3_bucket` has the FQN `@cdktf/provider-aws.s3Bucket`
EAGER_IMPORT = re.compile(r"^from \. import (\w+)\n", re.MULTILINE)


def lazy_source(source: str) -> tuple[str, list[str]]:
    """The package's `__init__` source without its eager submodule imports, and their names."""
    return EAGER_IMPORT.sub("", source), EAGER_IMPORT.findall(source)


def jsii_submodule(name: str) -> str:
    """The jsii FQN of the Python submodule `name` (`s3_bucket` -> `@cdktf/provider-aws.s3Bucket`)."""
    first, *rest = name.split("_")
    return f"{ASSEMBLY}." + first + "".join(part[:1].upper() + part[1:] for part in rest)


class LazyBindingsLoader(importlib.machinery.SourceFileLoader):
    """Loads the package from its rewritten source (never from its cached eager bytecode)."""

    submodules: list[str]

    def get_code(self, fullname: str) -> types.CodeType:
        path = self.get_filename(fullname)
        source, self.submodules = lazy_source(importlib.util.decode_source(self.get_data(path)))
        return compile(source, path, "exec", dont_inherit=True)

    def exec_module(self, module: types.ModuleType) -> None:
        super().exec_module(module)
        # The package ends with `publication.publish()`, which puts a new "public" module in sys.modules.
        public = sys.modules[module.__name__]
        names = frozenset(self.submodules)

        def __getattr__(name: str) -> types.ModuleType:
            if name in names:
                return importlib.import_module(f"{module.__name__}.{name}")  # also sets it on the package
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

        def __dir__() -> list[str]:
            return sorted(set(vars(public)) | names)

        vars(public).update(__getattr__=__getattr__, __dir__=__dir__)
        from jsii import _reference_map  # already loaded by the package's `_jsii`

        _reference_map._submodule_fqn_map.update(
            {jsii_submodule(name): f"{module.__name__}.{name}" for name in self.submodules}
        )


class LazyBindingsFinder(importlib.abc.MetaPathFinder):
    """Finds `cdktf_cdktf_provider_aws` (only) and loads it with `LazyBindingsLoader` when pinned."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None):
        if fullname != PACKAGE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not lazy_supported():
            return spec
        spec.loader = LazyBindingsLoader(fullname, spec.origin)
        return spec


def lazy_supported() -> bool:
    """True when the installed bindings are the pinned version and jsii can resolve late types."""
    version = importlib.metadata.version(DISTRIBUTION)
    if version != PINNED:
        warnings.warn(
            f"{DISTRIBUTION} {version} is not {PINNED}, the version mlzone's lazy import was checked "
            f"against: importing all of it eagerly (slow); fix: install {DISTRIBUTION}=={PINNED}",
            stacklevel=2,
        )
        return False
    from jsii import _reference_map  # the bindings import jsii next anyway; `import mlzone` stays light

    if not hasattr(_reference_map, "_submodule_fqn_map"):
        warnings.warn(
            "this jsii runtime cannot load jsii types lazily: importing the AWS bindings eagerly (slow); "
            "fix: upgrade jsii",
            stacklevel=2,
        )
        return False
    return True


def install() -> None:
    """Make the AWS bindings lazy for this process, unless they are already imported or `MLZONE_EAGER_BINDINGS=1`."""
    if os.environ.get(EAGER_ENV) == "1" or PACKAGE in sys.modules:
        return
    if not any(isinstance(finder, LazyBindingsFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, LazyBindingsFinder())
