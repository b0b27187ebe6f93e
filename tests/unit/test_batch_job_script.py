"""The platform's scoring job as the project stack ships it, and the unified prediction record schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from mlzone.jobs import prediction_record, shipped
from modules.batch_inference import BatchInference, BatchInferenceProps
from tests.conftest import only, resources, synth
from tests.unit.project_scope import KEY, scope, stack


def test_a_job_without_entry_point_runs_the_shipped_script_uploaded_with_the_project_key() -> None:
    s = stack()
    BatchInference(
        s,
        "batch-nightly",
        BatchInferenceProps(
            project=scope(),
            name="nightly",
            model="scorer",
            schedule="cron(0 2 * * ? *)",
            version=1,
            shipped_files=shipped.files(),
        ),
    )
    doc = synth(s)
    uploads = resources(doc, "aws_s3_object").values()
    assert sorted(o["key"].rsplit("/", 1)[1] for o in uploads) == [
        "audit_record.py",
        "prediction_record.py",
        "score.py",
    ]
    assert all(o["kms_key_id"] == KEY and o["server_side_encryption"] == "aws:kms" for o in uploads)
    assert all("/code/nightly/" in o["key"] for o in uploads)
    submit = json.loads(only(doc, "aws_scheduler_schedule")["target"]["input"])["JobDriver"]["SparkSubmit"]
    assert submit["EntryPoint"].endswith("/code/nightly/score.py")
    assert "--py-files" in submit["SparkSubmitParameters"] and "prediction_record.py" in submit["SparkSubmitParameters"]


def test_a_job_with_its_own_entry_point_uploads_nothing() -> None:
    s = stack()
    BatchInference(
        s,
        "batch-nightly",
        BatchInferenceProps(
            project=scope(),
            name="nightly",
            model="scorer",
            schedule="cron(0 2 * * ? *)",
            entry_point="jobs/mine.py",
            shipped_files=shipped.files(),
        ),
    )
    assert resources(synth(s), "aws_s3_object") == {}


def test_the_schema_names_each_field_once_with_a_type() -> None:
    assert len(set(prediction_record.NAMES)) == len(prediction_record.NAMES)
    assert prediction_record.ddl().startswith("`prediction_id` string, `project` string")
    assert [n for n, _, nullable in prediction_record.FIELDS if nullable] == ["subject_key"]


def test_problems_names_missing_unknown_null_and_bad_source() -> None:
    record = dict.fromkeys(prediction_record.NAMES, "x") | {"subject_key": None, "source": "batch"}
    assert prediction_record.problems(record) == []
    bad = {k: v for k, v in record.items() if k != "input"} | {"extra": 1, "model": None, "source": "email"}
    assert prediction_record.problems(bad) == [
        "missing field input",
        "unknown field extra",
        "model is null",
        "source 'email' is not one of ('endpoint', 'batch')",
    ]


def test_partition_is_date_and_hour_in_utc() -> None:
    at = datetime(2026, 12, 2, 7, 5, tzinfo=UTC)
    assert prediction_record.partition(at) == {"date": "2026-12-02", "hour": "07"}
