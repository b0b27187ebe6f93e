"""`mlzone trace`: every link read from what the steps wrote, a missing link named, one hour read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from mlzone import audit_record
from mlzone.trace import NO_DEPLOY_RECORD, Sources, TraceError, time_of, trace, uuid7

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
        mlflow_run=lambda project, run_id: runs[run_id],
    )


def test_a_time_ordered_id_carries_its_time() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    issued = time_of(uuid7())
    assert issued is not None and before <= issued.replace(microsecond=0) <= datetime.now(UTC)
    assert time_of("not-a-uuid") is None and time_of("6ba7b810-9dad-11d1-80b4-00c04fd430c8") is None


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
    version = arn.rsplit("/", 1)[1]
    audit_record.put(
        s3,
        AUDIT,
        f"approvals/fraud/detector/{version}-{audit_record.stamp(earlier)}.json",
        {"decision": "Approved", "caller_arn": "arn:aws:iam::1:role/risk-lead", "reason": "x" * 20},
    )
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
