"""The subject index as the local capture writer keeps it: the platform's key read or created on moto's
backend is the one the API sees, each subject a captured request names gets one entry under the object's
project, and an endpoint whose model names a subject field carries the tags that say so."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlzone.predictions import subjects
from mlzone.serving import subject_index
from modules import subject_keys
from modules.endpoint import Endpoint, EndpointProps
from tests.conftest import only, synth
from tests.unit.project_scope import scope, stack

pytestmark = pytest.mark.unit
REGION, BUCKET, SECRET = "eu-west-1", "acme-ml-predictions-eu-west-1", "acme-ml-subject-key"
KEY = "fraud/fraud--scoring/AllTraffic/2026/12/02/10/00-00-000-e1.jsonl"


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    from moto.s3.models import s3_backends
    from moto.secretsmanager.models import secretsmanager_backends

    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield {
            "s3": s3,
            "secrets": boto3.client("secretsmanager", region_name=REGION),
            "s3_backend": s3_backends["123456789012"]["aws"],
            "secrets_backend": secretsmanager_backends["123456789012"][REGION],
        }


def test_the_key_created_in_the_emulator_is_the_one_the_api_reads(aws) -> None:
    created = subject_index.hmac_key(aws["secrets_backend"], SECRET)
    assert len(created) == 32
    assert subjects.hmac_key(aws["secrets"], "acme-ml") == created
    assert subject_index.hmac_key(aws["secrets_backend"], SECRET) == created, "created once, then read"


def test_a_key_created_through_the_api_is_the_one_the_emulator_reads(aws) -> None:
    created = subjects.hmac_key(aws["secrets"], "acme-ml")
    assert subject_index.hmac_key(aws["secrets_backend"], SECRET) == created


def test_each_subject_of_a_request_gets_one_entry_under_the_objects_project(aws) -> None:
    hmac = b"k" * 32
    request = json.dumps({"inputs": [{"customer_id": "alice", "amount": 1}, {"customer_id": 42, "amount": 2}]})
    assert subject_index.index_capture(aws["s3_backend"], BUCKET, KEY, hmac, request.encode(), "customer_id") == 2
    for subject_id in ("alice", "42"):
        subject = subject_keys.subject_key(hmac, subject_id)
        [(entry, key)] = subjects.objects_of(aws["s3"], BUCKET, subject, ["fraud"])
        assert key == KEY and entry.startswith(f"fraud/_subjects/{subject}/")
        assert subject_keys.is_index(entry) and not subject_keys.is_index(KEY)
    assert list(subjects.objects_of(aws["s3"], BUCKET, subject_keys.subject_key(hmac, "alice"), ["churn"])) == []
    listed = aws["s3"].list_objects_v2(Bucket=BUCKET)["Contents"]
    assert all("alice" not in o["Key"] for o in listed), "the index names no raw id"


def test_a_request_that_is_not_json_is_not_indexed(aws) -> None:
    assert subject_index.index_capture(aws["s3_backend"], BUCKET, KEY, b"k" * 32, b"1,2\n", "customer_id") == 0


def test_an_endpoint_whose_model_names_a_subject_field_is_tagged_with_it_and_the_secret() -> None:
    s = stack()
    props = EndpointProps(
        project=scope(subject_key_secret=SECRET),
        name="api",
        package_group="team-a--scorer",
        version=1,
        subject_field="customer_id",
    )
    Endpoint(s, "endpoint-api", props)
    tags = only(synth(s), "aws_sagemaker_endpoint")["tags"]
    assert tags[subject_keys.FIELD_TAG] == "customer_id" and tags[subject_keys.SECRET_TAG] == SECRET
    with pytest.raises(ValueError, match="subject_key_secret"):
        EndpointProps(project=scope(), name="api", package_group="team-a--scorer", subject_field="customer_id")
