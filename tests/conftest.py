"""Shared fixtures: the example zone, stacks built on `Testing.app()`, and a Terraform CLI config."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import mlzone  # noqa: F401  (silences the jsii banner before cdktf loads)
from mlzone.terraform.config import find_mirror, write_cli_config

# The jsii Node process copies the environment when cdktf is first imported, so the Terraform CLI
# config (provider mirror) must be in place before that for `Testing.to_be_valid_terraform`.
# The Ctrl-C tests send SIGINT to the CLI. A runner that started pytest with SIGINT ignored (a background job
# of a non-interactive shell does) would hand that on to every child, and Python then never raises
# KeyboardInterrupt: give this process, and so its children, the usual Ctrl-C.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

TF_CLI_CONFIG = write_cli_config(Path(tempfile.mkdtemp(prefix="mlzone-tf-")), find_mirror())
os.environ["TF_CLI_CONFIG_FILE"] = str(TF_CLI_CONFIG)

from cdktf import TerraformStack, Testing  # noqa: E402

from stacks.app import build_stacks  # noqa: E402
from stacks.spec import Zone, load_zone  # noqa: E402
from stacks.target import Target  # noqa: E402

Testing.__test__ = False  # not a test class
ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """An in-process moto server holding nothing, and its URL. In-process servers share moto's state, so
    what an earlier test module created is reset first."""
    from moto.server import ThreadedMotoServer

    from mlzone.process import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    url = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).close()
    try:
        yield url
    finally:
        server.stop()


def synth(stack: TerraformStack) -> dict:
    """The stack's Terraform JSON as a dict (runs aspects, e.g. tagging)."""
    return json.loads(Testing.synth(stack))


def resources(doc: dict, type_: str) -> dict[str, dict]:
    """All resources of one Terraform type in a synthesized stack, by logical id."""
    return doc.get("resource", {}).get(type_, {})


def only(doc: dict, type_: str) -> dict:
    """The single resource of a type (fails if there is not exactly one)."""
    found = resources(doc, type_)
    assert len(found) == 1, f"expected one {type_}, found {sorted(found)}"
    return next(iter(found.values()))


def serving(zone: Zone, version: int = 1) -> Zone:
    """`zone` once each endpoint and batch job has an approved `version` (the YAML examples start without
    one, so the platform stands up before the first model exists): the shape the tests synthesize."""

    def served(entries):
        return tuple(e if e.version is not None else e.model_copy(update={"version": version}) for e in entries)

    return replace(
        zone,
        projects=tuple(
            p.model_copy(update={"endpoints": served(p.endpoints), "batch_jobs": served(p.batch_jobs)})
            for p in zone.projects
        ),
    )


@pytest.fixture(scope="session")
def zone() -> Zone:
    return serving(load_zone(ROOT))


@pytest.fixture(scope="session")
def example_stacks(zone: Zone) -> dict[str, TerraformStack]:
    """The example platform and projects, on the local target, built once per session."""
    app = build_stacks(Testing.app(), zone, Target(kind="local"))
    return {c.node.id: c for c in app.node.children if isinstance(c, TerraformStack)}


@pytest.fixture(scope="session")
def example_synth(example_stacks: dict[str, TerraformStack]) -> dict[str, dict]:
    """Synthesized JSON of every example stack, by stack name."""
    return {name: synth(stack) for name, stack in example_stacks.items()}


@pytest.fixture(scope="session")
def tf_cli_config() -> Path:
    """A Terraform CLI config using the provider mirror (or the registry when none is found)."""
    return TF_CLI_CONFIG


@pytest.fixture(scope="session")
def platform(example_synth: dict[str, dict]) -> dict:
    """Synthesized JSON of the example platform stack."""
    return example_synth["platform"]
