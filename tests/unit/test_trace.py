"""`mlzone trace`: every link read from what the steps wrote, a missing link named, one hour read."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from mlzone import audit_record
from mlzone.trace import NO_DEPLOY_RECORD, Sources, TraceError, trace
from modules.prediction_record import NAMES, partition, time_of, uuid7
from modules.scoring_job import batch_prefix

REGION = "eu-west-1"
CAPTURES, AUDIT = "acme-ml-predictions-eu-west-1", "acme-ml-audit-eu-west-1"
ENDPOINT = "fraud--scoring"
GROUP = "fraud--detector"


def capture(event_id: str, when: datetime, inference_id: str | None = None) -> str:
    """One capture line in SageMaker's data-capture format."""
    payload = {
        "mode": "INPUT",
        "observedContentType": "application/json",
        "encoding": "JSON",
        "data": '{"inputs": [[1, 2]]}',
    }
    return json.dumps(
        {
            "captureData": {"endpointInput": payload, "endpointOutput": payload | {"mode": "OUTPUT", "data": "[0.9]"}},
            "eventMetadata": {
                "eventId": event_id,
                "inferenceId": inference_id,
                "inferenceTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "eventVersion": "0",
        }
    )


@pytest.fixture
def zone():
    with mock_aws():
        s3, sm = boto3.client("s3", region_name=REGION), boto3.client("sagemaker", region_name=REGION)
        for b in (CAPTURES, AUDIT):
            s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": REGION})
        sm.create_model_package_group(ModelPackageGroupName=GROUP)
        arn = sm.create_model_package(
            ModelPackageGroupName=GROUP,
            ModelApprovalStatus="Approved",
            InferenceSpecification={
                "Containers": [
                    {
                        "Image": "123.dkr.ecr.eu-west-1.amazonaws.com/fraud/detector@sha256:ab",
                        "ModelDataUrl": "s3://data/fraud/models/detector/1/model.tar.gz",
                    }
                ],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            CustomerMetadataProperties={"mlzone:run_id": "r1", "mlzone:git_commit": "c0ffee"},
        )["ModelPackageArn"]
        yield s3, sm, arn


def sources(s3, sm, runs: dict) -> Sources:
    return Sources(
        s3=s3,
        sagemaker=sm,
        capture_bucket=CAPTURES,
        audit_bucket=AUDIT,
        endpoints=[("other", "other--scoring"), ("fraud", ENDPOINT)],
        batch_jobs=[("other", "nightly"), ("fraud", "nightly")],
        mlflow_run=lambda project, run_id: runs[run_id],
    )


def approve(s3, arn: str, when: datetime) -> None:
    """The approval record of the version `arn`, as `mlzone model approve` writes it."""
    version = arn.rsplit("/", 1)[1]
    audit_record.put(
        s3,
        AUDIT,
        f"approvals/fraud/detector/{version}-{audit_record.stamp(when)}.json",
        {"decision": "Approved", "caller_arn": "arn:aws:iam::1:role/risk-lead", "reason": "x" * 20},
    )


def test_a_time_ordered_id_carries_its_time() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    issued = time_of(uuid7())
    assert issued is not None and before <= issued.replace(microsecond=0) <= datetime.now(UTC)
    assert time_of("not-a-uuid") is None and time_of("6ba7b810-9dad-11d1-80b4-00c04fd430c8") is None


def test_an_id_issued_at_a_given_time_carries_that_time_to_the_millisecond() -> None:
    at = datetime(2026, 12, 3, 10, 59, 58, 123000, tzinfo=UTC)
    assert time_of(uuid7(at)) == at
    assert uuid7(at) != uuid7(at), "the tail is random"


def test_the_chain_links_capture_deploy_version_approval_and_run(zone) -> None:
    s3, sm, arn = zone
    event = uuid7()
    when = time_of(event)
    assert when is not None
    s3.put_object(
        Bucket=CAPTURES,
        Key=f"fraud/{ENDPOINT}/AllTraffic/{when:%Y/%m/%d/%H}/a.jsonl",
        Body=capture("other-event", when) + "\n" + capture(event, when, "inv-7"),
    )
    earlier = when.replace(year=when.year - 1)
    audit_record.put(
        s3,
        AUDIT,
        f"deployments/fraud/{audit_record.stamp(earlier)}-abc.json",
        {
            "status": "succeeded",
            "git_commit": "deadbeef",
            "operator": "arn:aws:iam::1:role/ci",
            "endpoints": {ENDPOINT: arn},
        },
    )
    approve(s3, arn, earlier)
    links = {link.name: link for link in trace(sources(s3, sm, {"r1": {"params": {"C": "1"}, "metrics": {}}}), event)}
    assert [n for n, link in links.items() if link.missing] == []
    assert links["prediction"].facts["output"] == "[0.9]" and links["prediction"].facts["endpoint"] == ENDPOINT
    assert links["deploy"].facts["git_commit"] == "deadbeef"
    assert links["model version"].facts["arn"] == arn and links["model version"].facts["status"] == "Approved"
    assert links["approval"].facts["approver"] == "arn:aws:iam::1:role/risk-lead"
    assert links["training run"].facts["git_commit"] == "c0ffee"
    assert links["training run"].facts["params"] == {"C": "1"}


def test_a_missing_link_is_named_not_skipped(zone) -> None:
    s3, sm, _ = zone
    event = uuid7()
    when = time_of(event)
    assert when is not None
    s3.put_object(
        Bucket=CAPTURES, Key=f"fraud/{ENDPOINT}/AllTraffic/{when:%Y/%m/%d/%H}/a.jsonl", Body=capture(event, when)
    )
    [prediction, deploy, version] = trace(sources(s3, sm, {}), event)
    assert not prediction.missing and "no successful deploy record" in deploy.missing
    assert version.missing.startswith(f"{ENDPOINT}: ") and "not" in version.missing, "no endpoint, named"


def test_without_a_deploy_record_the_chain_goes_on_from_the_endpoint_as_configured_now(zone) -> None:
    s3, sm, arn = zone
    sm.create_model(
        ModelName="fraud--detector-1",
        PrimaryContainer={"ModelPackageName": arn},
        ExecutionRoleArn="arn:aws:iam::123456789012:role/fraud",
    )
    variant = {"VariantName": "AllTraffic", "ModelName": "fraud--detector-1", "InitialInstanceCount": 1}
    sm.create_endpoint_config(
        EndpointConfigName="fraud--scoring-a1", ProductionVariants=[variant | {"InstanceType": "ml.m5.large"}]
    )
    sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="fraud--scoring-a1")
    event = uuid7()
    when = time_of(event)
    assert when is not None
    s3.put_object(
        Bucket=CAPTURES, Key=f"fraud/{ENDPOINT}/AllTraffic/{when:%Y/%m/%d/%H}/a.jsonl", Body=capture(event, when)
    )
    links = {link.name: link for link in trace(sources(s3, sm, {"r1": {"params": {}, "metrics": {}}}), event)}
    assert [n for n, link in links.items() if link.missing] == ["deploy", "approval"]
    assert links["model version"].facts["arn"] == arn
    assert links["model version"].facts["read from"] == NO_DEPLOY_RECORD
    assert links["training run"].facts["git_commit"] == "c0ffee"


def test_an_unknown_id_and_an_id_without_time_are_refused(zone) -> None:
    s3, sm, _ = zone
    with pytest.raises(TraceError, match="no prediction"):
        trace(sources(s3, sm, {}), uuid7())
    with pytest.raises(TraceError, match="--at"):
        trace(sources(s3, sm, {}), "my-own-id")


def batch_row(prediction_id: str, when: datetime, arn: str) -> dict:
    """One row of the log as the scoring job writes it."""
    return dict.fromkeys(NAMES, "x") | {
        "prediction_id": prediction_id,
        "project": "fraud",
        "source": "batch",
        "source_name": "nightly",
        "model_version": 1,
        "model_package_arn": arn,
        "time": when.replace(tzinfo=None),
        "input": '{"amount": 5.0}',
        "output": '{"prediction": 0.25}',
        "run_or_deploy_id": "run-1",
    }


def put_batch(s3, when: datetime, rows: list[dict]) -> None:
    body = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), body)
    folder = "/".join(f"{k}={v}" for k, v in partition(when).items())
    s3.put_object(
        Bucket=CAPTURES, Key=f"{batch_prefix('fraud', 'nightly')}{folder}/run-1-part-0.parquet", Body=body.getvalue()
    )


def test_a_batch_prediction_links_its_run_the_deploy_of_its_job_version_approval_and_training_run(zone) -> None:
    s3, sm, arn = zone
    started = datetime.now(UTC).replace(microsecond=0)
    ids = [uuid7(started) for _ in range(3)]
    put_batch(s3, started, [batch_row(i, started, arn) for i in ids])
    earlier = started - timedelta(days=1)
    audit_record.put(
        s3,
        AUDIT,
        f"deployments/fraud/{audit_record.stamp(earlier)}-abc.json",
        {"status": "succeeded", "git_commit": "deadbeef", "endpoints": {}, "batch_jobs": {"fraud--nightly": arn}},
    )
    audit_record.put(
        s3,
        AUDIT,
        f"batch-runs/fraud/nightly/{audit_record.stamp(started)}-run-1.json",
        {"status": "succeeded", "run_id": "run-1", "rows_in": 3, "rows_out": 3, "script_sha256": "5c"},
    )
    approve(s3, arn, earlier)
    links = {link.name: link for link in trace(sources(s3, sm, {"r1": {"params": {}, "metrics": {}}}), ids[1])}
    assert list(links) == ["prediction", "batch run", "deploy", "model version", "approval", "training run"]
    assert [n for n, link in links.items() if link.missing] == []
    prediction = links["prediction"].facts
    assert (prediction["prediction_id"], prediction["batch_job"], prediction["run_id"]) == (ids[1], "nightly", "run-1")
    assert prediction["output"] == '{"prediction": 0.25}'
    assert links["batch run"].facts["rows_out"] == 3
    assert links["batch run"].facts["record_uri"].startswith(f"s3://{AUDIT}/batch-runs/fraud/nightly/")
    assert links["deploy"].facts["git_commit"] == "deadbeef"
    assert (links["model version"].facts["arn"], links["training run"].facts["git_commit"]) == (arn, "c0ffee")
    assert "read from" not in links["model version"].facts, "the row names its version itself"


def test_a_batch_run_outside_any_deploy_is_a_missing_deploy_link(zone) -> None:
    s3, sm, arn = zone
    started = datetime.now(UTC)
    prediction_id = uuid7(started)
    put_batch(s3, started, [batch_row(prediction_id, started, arn)])
    links = {link.name: link for link in trace(sources(s3, sm, {"r1": {"params": {}, "metrics": {}}}), prediction_id)}
    assert [n for n, link in links.items() if link.missing] == ["batch run", "deploy", "approval"]
    assert "naming batch job nightly" in links["deploy"].missing
