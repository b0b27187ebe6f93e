"""The lazy AWS provider bindings (`mlzone.bindings`): what the rewrite removes, the jsii FQN of every
submodule, late jsii type registration, and the eager fallback on any other binding version.
(tests/plan/test_lazy_bindings.py: eager and lazy synth of the example are byte-identical.)"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mlzone import bindings

pytestmark = pytest.mark.unit

PACKAGE_DIR = Path(importlib.util.find_spec(bindings.PACKAGE).origin).parent  # type: ignore[arg-type,union-attr]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env={**os.environ, **env}
    )


def test_the_installed_bindings_are_the_pinned_version() -> None:
    assert importlib.metadata.version(bindings.DISTRIBUTION) == bindings.PINNED


def test_the_rewrite_removes_exactly_the_eager_submodule_imports() -> None:
    source = (PACKAGE_DIR / "__init__.py").read_text()
    lazy, names = bindings.lazy_source(source)
    submodules = {p.parent.name for p in PACKAGE_DIR.glob("*/__init__.py")} - {"_jsii"}
    assert len(names) > 2000 and set(names) == submodules
    assert "from . import" not in lazy
    assert "from ._jsii import *" in lazy and "publication.publish()" in lazy  # the assembly still loads
    assert len(lazy.splitlines()) == len(source.splitlines()) - len(names)


def test_each_submodule_has_the_jsii_fqn_the_runtime_is_told() -> None:
    """The types a submodule registers carry its FQN; jsii imports the submodule by it when a late type appears."""
    fqn = re.compile(r'jsii_type="(@cdktf/provider-aws\.[^".]+)\.')
    _, names = bindings.lazy_source((PACKAGE_DIR / "__init__.py").read_text())
    found = {name: set(fqn.findall((PACKAGE_DIR / name / "__init__.py").read_text())) for name in names}
    wrong = {name: fqns for name, fqns in found.items() if fqns != {bindings.jsii_submodule(name)}}
    assert wrong == {}


LATE_TYPE = """
import sys
import mlzone
import jsii
from cdktf import App, TerraformStack
from jsii._kernel import _make_reference_for_native
from jsii._kernel.types import CreateRequest
import cdktf_cdktf_provider_aws as aws
from jsii import _reference_map

def loaded():
    names = {m.split(".")[1] for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")}
    return sorted(names - {"_jsii", "_private"})

if "--without-map" in sys.argv:
    _reference_map._submodule_fqn_map.clear()
stack = TerraformStack(App(), "s")
print("after package:", loaded())
# A queue made on the JavaScript side only, then returned to Python: its submodule was never imported.
jsii.kernel.provider.create(CreateRequest(fqn="@cdktf/provider-aws.sqsQueue.SqsQueue",
                                          args=_make_reference_for_native(jsii.kernel, [stack, "q"])))
print("returned:", type(stack.node.find_child("q")).__module__)
print("attribute:", aws.kms_key.KmsKey.__module__)
print("after:", loaded())
"""


def test_submodules_load_on_first_use_and_register_their_jsii_types_late() -> None:
    proc = run_python(LATE_TYPE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "after package: []",
        "returned: cdktf_cdktf_provider_aws.sqs_queue",
        "attribute: cdktf_cdktf_provider_aws.kms_key",
        "after: ['kms_key', 'sqs_queue']",
    ]
    # Without the FQN map the hook registers, jsii could not find the late type: the map is what makes it work.
    proc = subprocess.run(
        [sys.executable, "-c", LATE_TYPE, "--without-map"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 1 and "Unknown type: @cdktf/provider-aws.sqsQueue.SqsQueue" in proc.stderr


def test_another_binding_version_falls_back_to_the_eager_import_with_a_warning(monkeypatch) -> None:
    monkeypatch.setattr(bindings, "PINNED", "0.0.0")
    with pytest.warns(UserWarning, match=r"is not 0\.0\.0.*importing all of it eagerly"):
        spec = bindings.LazyBindingsFinder().find_spec(bindings.PACKAGE, None)
    assert spec is not None and not isinstance(spec.loader, bindings.LazyBindingsLoader)
    monkeypatch.setattr(bindings, "PINNED", importlib.metadata.version(bindings.DISTRIBUTION))
    spec = bindings.LazyBindingsFinder().find_spec(bindings.PACKAGE, None)
    assert spec is not None and isinstance(spec.loader, bindings.LazyBindingsLoader)
