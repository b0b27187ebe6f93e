"""Layering and single definitions: `modules/` builds on nothing above it, and shared facts have one home."""

from __future__ import annotations

import ast
import json

import pytest

from modules.bucket_policy import deny_insecure_transport
from tests.conftest import ROOT

pytestmark = pytest.mark.unit

UPPER_LAYERS = ("stacks", "mlzone")


def imported_packages(source: str) -> set[str]:
    """The top-level package of every import statement in `source` (function-level imports included)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_the_parser_sees_every_import_form():
    source = "import stacks.spec\nfrom mlzone import cli\ndef f():\n    from stacks.spec import Zone\n"
    assert imported_packages(source) == {"stacks", "mlzone"}


@pytest.mark.parametrize("file", sorted((ROOT / "modules").glob("*.py")), ids=lambda f: f.name)
def test_modules_import_neither_stacks_nor_mlzone(file):
    assert not imported_packages(file.read_text()) & set(UPPER_LAYERS), f"{file.name} imports an upper layer"


def test_the_tag_check_requires_the_keys_the_aspect_puts_on():
    from modules.tagging import RequiredTags
    from policies.checks.tags_required import REQUIRED_TAGS

    tags = RequiredTags(team="t", project="p", cost_center="c", data_classification="internal")
    assert tuple(tags.as_dict()) == REQUIRED_TAGS


class _Recorder:
    """A boto3 client stand-in that answers every call and records the bucket policy it is given."""

    def __init__(self) -> None:
        self.policy: dict | None = None

    def describe_key(self, KeyId):
        return {"KeyMetadata": {"Arn": "arn:aws:kms:eu-west-1:123456789012:key/k"}}

    def put_bucket_policy(self, Bucket, Policy):
        self.policy = json.loads(Policy)

    def __getattr__(self, name):
        return lambda **kwargs: {}


def test_bootstrap_and_the_bucket_construct_share_the_tls_only_statement(example_synth):
    from mlzone.bootstrap import bootstrap_state_bucket

    recorder = _Recorder()
    bootstrap_state_bucket(lambda service: recorder, "acme-tfstate", "eu-west-1", "alias/acme-tfstate")
    assert recorder.policy["Statement"] == [deny_insecure_transport("acme-tfstate")]
    policies = example_synth["platform"]["resource"]["aws_s3_bucket_policy"].values()
    first = [json.loads(p["policy"])["Statement"][0] for p in policies]
    assert first and all(s == deny_insecure_transport(s["Resource"][0].removeprefix("arn:aws:s3:::")) for s in first)
