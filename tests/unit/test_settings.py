"""Defaults and limits live once, in the props (modules/settings.py); the spec reads them and hands
its entries to the props unchanged (`spec_fields`), so the two layers cannot drift apart."""

from __future__ import annotations

import dataclasses

import pytest

from modules.batch_inference import BatchInferenceProps
from modules.capture_storage import CaptureStorageProps
from modules.endpoint import EndpointProps
from modules.limits import CAPTURE_MIN_PERCENT
from modules.network import NetworkProps
from modules.notebook import NotebookProps
from modules.settings import (
    AuditSettings,
    BatchJobSettings,
    CaptureSettings,
    EndpointSettings,
    NetworkSettings,
    NotebookSettings,
    SparkClusterSettings,
    TrackingSettings,
    check_limits,
    setting,
)
from modules.spark_cluster import SparkClusterProps
from stacks.spec import (
    AuditSpec,
    BatchJobSpec,
    EndpointSpec,
    ExperimentTrackingSpec,
    NetworkSpec,
    NotebookSpec,
    PredictionsSpec,
    SparkClusterSpec,
)
from tests.unit.project_scope import scope

pytestmark = pytest.mark.unit

# (spec model, settings it reads, spec field -> settings field where the names differ)
PAIRS = [
    (NetworkSpec, NetworkSettings, {}),
    (AuditSpec, AuditSettings, {"object_lock_mode": "lock_mode"}),
    (PredictionsSpec, CaptureSettings, {}),
    (ExperimentTrackingSpec, TrackingSettings, {}),
    (NotebookSpec, NotebookSettings, {}),
    (SparkClusterSpec, SparkClusterSettings, {}),
    (EndpointSpec, EndpointSettings, {}),
    (BatchJobSpec, BatchJobSettings, {}),
]
# What only the spec enforces, on purpose: the policy gate's capture minimum (CKV_MLZ_13), and that a
# model package version number starts at 1 (the registry numbers them; props take what resolve found).
SPEC_ONLY = {
    ("EndpointSpec", "capture_percent", "ge"): CAPTURE_MIN_PERCENT,
    ("EndpointSpec", "version", "ge"): 1,
    ("BatchJobSpec", "version", "ge"): 1,
}


def bounds(field) -> dict[str, int]:
    return {k: getattr(m, k) for m in field.metadata for k in ("ge", "le") if hasattr(m, k)}


@pytest.mark.parametrize(("spec", "settings", "renamed"), PAIRS, ids=lambda v: getattr(v, "__name__", ""))
def test_spec_defaults_and_limits_are_the_props_own(spec, settings, renamed):
    names = {renamed.get(n, n): n for n in spec.model_fields}
    shared = [f for f in dataclasses.fields(settings) if f.name in names]
    assert shared, f"{spec.__name__} reads nothing from {settings.__name__}"
    for f in shared:
        field = spec.model_fields[names[f.name]]
        assert field.default == f.default, f"{spec.__name__}.{f.name}"
        low, high, _ = f.metadata.get("mlzone:range", (None, None, ""))
        want = {k: v for k, v in (("ge", low), ("le", high)) if v is not None}
        want |= {k: v for (model, name, k), v in SPEC_ONLY.items() if (model, name) == (spec.__name__, f.name)}
        assert bounds(field) == want, f"{spec.__name__}.{f.name}"


# Every field a spec entry can set must be a field of the props it becomes (stacks use `spec_fields`).
@pytest.mark.parametrize(
    ("spec", "props", "left_out"),
    [
        (NotebookSpec, NotebookProps, ()),
        (SparkClusterSpec, SparkClusterProps, ()),
        (EndpointSpec, EndpointProps, ("model",)),
        (BatchJobSpec, BatchInferenceProps, ()),
        (NetworkSpec, NetworkProps, ()),
        (PredictionsSpec, CaptureStorageProps, ()),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_every_spec_field_is_a_props_field(spec, props, left_out):
    assert set(spec.model_fields) - set(left_out) <= {f.name for f in dataclasses.fields(props)}


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (
            lambda: EndpointProps(project=scope(), name="api", package_group="fraud--scorer", max_instances=21),
            r"endpoint api: max_instances=21; fix: use 1 to 20",
        ),
        (
            lambda: NetworkProps(
                name="n", region="eu-west-1", account_id="1", logs_key_arn="arn", availability_zones=1
            ),
            r"network n: availability_zones=1; fix: use 2 to 3",
        ),
        (
            lambda: CaptureStorageProps(
                bucket_name="b-captures", kms_key_arn="k", access_log_bucket="l", expiry_days=0
            ),
            r"expiry_days=0; fix: use 1 to 3650",
        ),
        (
            lambda: BatchInferenceProps(
                project=scope(), name="nightly", model="m", schedule="rate(1 day)", release_label="emr-7.x"
            ),
            r"batch job nightly: release_label 'emr-7.x' is not an EMR 7.x release",
        ),
    ],
)
def test_props_refuse_what_the_spec_refuses(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_check_limits_skips_unset_optionals_and_names_the_field():
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Demo:
        size: int | None = setting(None, 1, 9, "1 to 9 units")

    check_limits("demo", Demo())
    with pytest.raises(ValueError, match=r"^demo: size=10; fix: use 1 to 9 units$"):
        check_limits("demo", Demo(size=10))
