"""`mlzone predictions report`: counts, output distributions and PSI drift against the training data."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
from moto import mock_aws

from mlzone.predictions import report, report_html
from mlzone.predictions.training import training_frame

RNG = np.random.default_rng(7)


def rows(version: str, source: str, amounts: np.ndarray) -> list[dict]:
    return [
        {
            "model_version": version,
            "source": source,
            "input": json.dumps({"inputs": [{"amount": float(a)}]}),
            "output": json.dumps([[0.3, 0.7]]),
        }
        for a in amounts
    ]


def test_psi_separates_a_stable_from_a_drifted_feature() -> None:
    train = RNG.normal(100, 10, 5000)
    assert report.psi(train, RNG.normal(100, 10, 2000)) < 0.1
    assert report.psi(train, RNG.normal(130, 10, 2000)) > 0.25


def test_payload_shapes_are_read_as_feature_records() -> None:
    assert report.feature_rows({"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2]]}}) == [{"a": 1, "b": 2}]
    assert report.feature_rows('{"instances": [{"a": 1}]}') == [{"a": 1}]
    assert report.scores("[[0.1, 0.9], [0.8, 0.2]]") == [0.9, 0.2]
    assert report.scores({"predictions": [1, 0]}) == [1.0, 0.0]


def test_the_report_counts_versions_and_flags_drift_and_renders_plots(tmp_path: Path) -> None:
    training = pd.DataFrame({"amount": RNG.normal(100, 10, 3000), "fraud": RNG.integers(0, 2, 3000)})
    log = rows("1", "endpoint", RNG.normal(100, 10, 400)) + rows("2", "batch", RNG.normal(140, 10, 300))
    built = report.build(
        "fraud",
        "detector",
        "7d",
        log,
        {"1": ("s3://d/train.csv (version v1)", training), "2": ("s3://d/train.csv", training)},
    )
    assert built.by_source == {("endpoint", "1"): 400, ("batch", "2"): 300}
    assert built.versions["1"].drift["amount"] < 0.1, "same distribution as in training"
    assert built.versions["2"].drift["amount"] > 0.25, "shifted by four standard deviations"
    assert built.versions["1"].scores[:1] == [0.7]
    html = report_html.write(built, tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3, "one output plot and one drift plot per version"
    assert 'class="drift"' in html and "s3://d/train.csv (version v1)" in html


def test_training_data_is_read_at_the_version_the_lineage_names() -> None:
    with mock_aws():
        s3, sm = boto3.client("s3", region_name="eu-west-1"), boto3.client("sagemaker", region_name="eu-west-1")
        s3.create_bucket(Bucket="data", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_bucket_versioning(Bucket="data", VersioningConfiguration={"Status": "Enabled"})
        first = s3.put_object(Bucket="data", Key="fraud/train.csv", Body=b"amount\n1\n2\n")["VersionId"]
        s3.put_object(Bucket="data", Key="fraud/train.csv", Body=b"amount\n9\n")
        sm.create_model_package_group(ModelPackageGroupName="fraud--detector")
        arn = sm.create_model_package(
            ModelPackageGroupName="fraud--detector",
            ModelApprovalStatus="Approved",
            InferenceSpecification={
                "Containers": [{"Image": "x@sha256:ab"}],
                "SupportedContentTypes": ["a/b"],
                "SupportedResponseMIMETypes": ["a/b"],
            },
            CustomerMetadataProperties={
                "mlzone:data": json.dumps([{"uri": "s3://data/fraud/train.csv", "version_id": first}])
            },
        )["ModelPackageArn"]
        pointer, frame = training_frame(s3, sm, arn)
        assert frame is not None and frame["amount"].tolist() == [1, 2] and first in pointer
