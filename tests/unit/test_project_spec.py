"""The project spec fields added for the ML modules: batch job paths and IAM name limits."""

from __future__ import annotations

import re

import pytest
import yaml

from stacks.spec import SpecError, load_project

pytestmark = pytest.mark.unit


def project_error(tmp_path, **fields) -> str:
    spec = {
        "name": "demo",
        "team": "t-team",
        "cost_center": "CC-1",
        "data_classification": "internal",
        "models": [{"name": "scorer"}],
        **fields,
    }
    file = tmp_path / "projects" / f"{spec['name']}.yaml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(yaml.safe_dump(spec))
    with pytest.raises(SpecError) as info:
        load_project(file)
    return str(info.value)


JOB = {"name": "nightly", "model": "scorer", "schedule": "rate(1 day)"}


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        (
            {"batch_jobs": [{**JOB, "entry_point": "../other/score.py"}]},
            r"batch_jobs\[0\].entry_point: '../other/score.py' is not a path inside the project prefix; "
            r"fix: write a relative",
        ),
        (
            {"batch_jobs": [{**JOB, "input_prefix": "s3://bucket/in/"}]},
            r"batch_jobs\[0\].input_prefix: 's3://bucket/in/'",
        ),
        ({"batch_jobs": [{**JOB, "output_prefix": "/out/"}]}, r"batch_jobs\[0\].output_prefix: '/out/' is not a path"),
        (
            {"name": "p" * 30, "spark_clusters": [{"name": "c" * 30}]},
            r"spark_clusters: the IAM role '.*-emr-ec2' is 70 characters, over the 64-character IAM limit; "
            r"fix: shorten",
        ),
        (
            {"name": "p" * 30, "endpoints": [{"name": "e" * 27, "model": "scorer"}]},
            r"endpoints: the SageMaker model 'p{30}--e{27}' is 59 characters, over the 54-character",
        ),
    ],
)
def test_rules(tmp_path, fields, match):
    message = project_error(tmp_path, **fields)
    assert message.startswith(str(tmp_path / "projects"))  # names the file
    assert re.search(match, message), message


def test_batch_job_paths_default(tmp_path):
    file = tmp_path / "projects" / "demo.yaml"
    file.parent.mkdir(parents=True)
    file.write_text(
        yaml.safe_dump(
            {
                "name": "demo",
                "team": "t-team",
                "cost_center": "CC-1",
                "data_classification": "internal",
                "models": [{"name": "scorer"}],
                "batch_jobs": [{**JOB, "entry_point": "code/score.py"}],
            }
        )
    )
    job = load_project(file).batch_jobs[0]
    assert (job.entry_point, job.input_prefix, job.output_prefix) == ("code/score.py", "input/", None)
