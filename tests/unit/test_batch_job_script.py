"""The platform's scoring job as the project stack ships it, and the unified prediction record schema."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from mlflow.models import Model, infer_signature

from mlzone.jobs import shipped
from modules import prediction_record
from modules.batch_inference import BatchInference, BatchInferenceProps
from tests.conftest import only, resources, synth
from tests.unit.project_scope import KEY, actions, scope, stack, statements

AUDIT, AUDIT_KEY = "acme-audit", "arn:aws:kms:eu-west-1:123456789012:key/audit"
SECRET = "acme-subject-key"


def shipped_job(subject_field: str | None = "customer_id") -> dict:
    s = stack()
    BatchInference(
        s,
        "batch-nightly",
        BatchInferenceProps(
            project=scope(audit_bucket=AUDIT, audit_key_arn=AUDIT_KEY, subject_key_secret=SECRET),
            name="nightly",
            model="scorer",
            schedule="cron(0 2 * * ? *)",
            version=1,
            input_format="csv",
            subject_field=subject_field,
            shipped_files=shipped.files(),
        ),
    )
    return synth(s)


def submit_of(doc: dict) -> dict:
    return json.loads(only(doc, "aws_scheduler_schedule")["target"]["input"])["JobDriver"]["SparkSubmit"]


def staged_script(tmp_path: Path) -> Path:
    """The job as EMR runs it: the entry point with its --py-files beside it, nothing else."""
    return shipped.stage(tmp_path / "job")


def staged_score(tmp_path: Path) -> ModuleType:
    """The staged script imported by its bare name, as EMR runs it; its modules are forgotten again."""
    sys.path.insert(0, str(staged_script(tmp_path).parent))
    try:
        return importlib.import_module("score")
    finally:
        sys.path.pop(0)
        for name in ("score", "scoring_job", "subject_keys", "prediction_record", "audit_record"):
            sys.modules.pop(name, None)


def test_a_job_without_entry_point_runs_the_shipped_script_uploaded_with_the_project_key() -> None:
    doc = shipped_job()
    uploads = resources(doc, "aws_s3_object").values()
    assert sorted(o["key"].rsplit("/", 1)[1] for o in uploads) == [
        "audit_record.py",
        "prediction_record.py",
        "score.py",
        "scoring_job.py",
        "subject_keys.py",
    ]
    assert all(o["kms_key_id"] == KEY and o["server_side_encryption"] == "aws:kms" for o in uploads)
    assert all("/code/nightly/" in o["key"] for o in uploads)
    submit = submit_of(doc)
    assert submit["EntryPoint"].endswith("/code/nightly/score.py")
    py_files = submit["SparkSubmitParameters"].split("--py-files ")[1].split()[0].split(",")
    assert sorted(f.rsplit("/", 1)[1] for f in py_files) == [
        "audit_record.py",
        "prediction_record.py",
        "scoring_job.py",
        "subject_keys.py",
    ]


@pytest.mark.parametrize("subject_field", ["customer_id", None])
def test_the_schedule_passes_exactly_the_options_the_script_parses(tmp_path: Path, subject_field) -> None:
    args = submit_of(shipped_job(subject_field))["EntryPointArguments"]
    passed = dict(zip(args[::2], args[1::2], strict=True))
    parser = staged_score(tmp_path).scoring_job.parser()
    options = [a.option_strings[0] for a in parser._actions if a.option_strings[0] != "-h"]
    required = [a.option_strings[0] for a in parser._actions if a.required]
    assert list(passed) == (options if subject_field else required), "every option the script takes, in its order"
    parsed = parser.parse_args(args)
    assert parsed.model_package_arn == "arn:aws:sagemaker:eu-west-1:123456789012:model-package/team-a--scorer/1"
    assert (parsed.input, parsed.input_format) == ("s3://acme-data/team-a/input/", "csv")
    assert parsed.output == "s3://acme-predictions/team-a/batch/nightly/"
    assert parsed.staging == "s3://acme-data/team-a/_staging/nightly/"
    assert (parsed.audit_bucket, parsed.job, parsed.run_id) == (AUDIT, "nightly", "<aws.scheduler.execution-id>")
    assert (parsed.subject_field, parsed.subject_key_secret) == (
        (subject_field, SECRET) if subject_field else (None, None)
    )


def test_the_script_runs_as_a_plain_entry_point_without_the_mlzone_package(tmp_path: Path) -> None:
    script = staged_script(tmp_path)
    refuse = (
        "import importlib.abc, runpy, sys\n"
        "class Refuse(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('mlzone', 'modules', 'stacks'):\n"
        "            raise ImportError(f'{name} is not shipped with the job')\n"
        "sys.meta_path.insert(0, Refuse())\n"
        f"sys.path.insert(0, {str(script.parent)!r})\n"
        f"sys.argv = [{str(script)!r}, '--help']\n"
        f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", refuse], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    assert "--model-package-arn" in done.stdout and "--subject-key-secret" in done.stdout


def test_the_job_runs_in_the_packed_environment_from_the_project_code_prefix() -> None:
    params = submit_of(shipped_job())["SparkSubmitParameters"]
    archive = "s3://acme-data/team-a/code/env/batch-env.tar.gz#environment"
    assert f"--conf spark.archives={archive}" in params
    for env in ("spark.emr-serverless.driverEnv.PYSPARK_PYTHON", "spark.executorEnv.PYSPARK_PYTHON"):
        assert f"--conf {env}=./environment/bin/python" in params
    assert f"serverSideEncryption.kms.keyId={KEY}" in params


def test_the_job_role_writes_its_log_prefix_index_and_manifests_only() -> None:
    st = statements(shipped_job(), "batch-nightly_job-role_policy")
    assert st["PredictionLog"]["Resource"] == "arn:aws:s3:::acme-predictions/team-a/batch/nightly/*"
    assert st["SubjectIndex"]["Resource"] == "arn:aws:s3:::acme-predictions/team-a/_subjects/*"
    assert st["RunManifests"]["Resource"] == f"arn:aws:s3:::{AUDIT}/batch-runs/team-a/nightly/*"
    assert actions(st["RunManifests"]) == ["s3:PutObject"], "manifests are written, never read or deleted"
    assert st["AuditKey"]["Resource"] == AUDIT_KEY and "kms:GenerateDataKey" in actions(st["AuditKey"])
    assert st["SubjectKey"]["Resource"] == f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{SECRET}-??????"
    assert actions(st["SubjectKey"]) == ["secretsmanager:GetSecretValue"]
    assert st["StagingObjects"]["Resource"] == "arn:aws:s3:::acme-data/team-a/_staging/nightly/*"
    assert "OutputObjects" not in st
    assert "SubjectKey" not in statements(shipped_job(None), "batch-nightly_job-role_policy")


def test_extra_arguments_are_refused_for_the_shipped_script() -> None:
    with pytest.raises(ValueError, match="go to a team's own script only"):
        BatchInferenceProps(
            project=scope(audit_bucket=AUDIT),
            name="nightly",
            model="scorer",
            schedule="cron(0 2 * * ? *)",
            arguments=("--note", "x"),
            shipped_files=shipped.files(),
        )


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


def test_a_model_answering_several_numbers_per_row_is_scored_as_an_array(tmp_path: Path) -> None:
    result_type = staged_score(tmp_path).scoring_job.result_type
    x = np.zeros((4, 3))
    probabilities = Model(signature=infer_signature(x, np.zeros((4, 2))))
    labels = Model(signature=infer_signature(x, np.zeros(4)))
    assert (result_type(probabilities), result_type(labels)) == ("array<double>", None)
