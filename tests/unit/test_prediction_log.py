"""Prediction log: a partitioned table over every capture, one over batch predictions, an enforced, encrypted
workgroup."""

from __future__ import annotations

import pytest

from modules.prediction_log import PredictionLogProps
from modules.prediction_record import FIELDS
from tests.conftest import only, resources

pytestmark = pytest.mark.unit


def glue_table(platform: dict, name: str) -> dict:
    (found,) = [t for t in resources(platform, "aws_glue_catalog_table").values() if t["name"] == name]
    return found


def test_table_reads_the_unified_capture_layout(platform):
    table = glue_table(platform, "captures")
    assert [k["name"] for k in table["partition_keys"]] == ["project", "endpoint", "dt"]
    params = table["parameters"]
    assert params["projection.enabled"] == "true"
    # "$${" is Terraform's escape: the deployed value is s3://.../${project}/${endpoint}/AllTraffic/${dt}/
    template = params["storage.location.template"]
    assert template.startswith("s3://${aws_s3_bucket.captures_bucket_")
    assert template.endswith(".bucket}/$${project}/$${endpoint}/AllTraffic/$${dt}/")
    assert table["storage_descriptor"]["ser_de_info"]["serialization_library"] == "org.openx.data.jsonserde.JsonSerDe"
    assert only(platform, "aws_glue_catalog_database")["name"] == "acme_ml_predictions"


def test_batch_table_reads_the_scoring_jobs_parquet_in_the_unified_schema(platform):
    table = glue_table(platform, "batch")
    assert [k["name"] for k in table["partition_keys"]] == ["project"]
    assert table["parameters"]["projection.project.type"] == "injected", "a query must name its project"
    assert table["parameters"]["storage.location.template"].endswith(".bucket}/$${project}/batch/")
    descriptor = table["storage_descriptor"]
    assert descriptor["ser_de_info"]["serialization_library"].endswith(".ParquetHiveSerDe")
    assert [(c["name"], c["type"]) for c in descriptor["columns"]] == [(n, t) for n, t, _ in FIELDS]


def test_workgroup_enforces_encrypted_results(platform):
    config = only(platform, "aws_athena_workgroup")["configuration"]
    assert config["enforce_workgroup_configuration"] is True
    result = config["result_configuration"]
    assert result["encryption_configuration"]["encryption_option"] == "SSE_KMS"
    assert result["encryption_configuration"]["kms_key_arn"].startswith("${aws_kms_key.data-key_")
    assert result["output_location"].startswith("s3://${aws_s3_bucket.athena-results_bucket_")
    assert config["bytes_scanned_cutoff_per_query"] == 10 * 1024**3


def test_scan_limit_has_a_floor():
    with pytest.raises(ValueError, match="Athena's minimum is 10 MB"):
        PredictionLogProps(name="acme", capture_bucket="c", results_bucket="r", kms_key_arn="k", bytes_scanned_cutoff=1)
