"""Every spec validation rule: a bad value fails with a message naming file, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stacks.spec import SpecError, load_platform, load_project, load_zone

pytestmark = pytest.mark.unit

PLATFORM = {"name": "acme-ml", "region": "eu-west-1"}
PROJECT = {"name": "fraud", "team": "risk", "cost_center": "CC-1", "data_classification": "confidential"}


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def platform_error(tmp_path: Path, **fields: object) -> str:
    file = write(tmp_path / "platform.yaml", {**PLATFORM, **fields})
    with pytest.raises(SpecError) as info:
        load_platform(file)
    message = str(info.value)
    assert str(file) in message and "fix:" in message
    return message


def project_error(tmp_path: Path, **fields: object) -> str:
    data = {**PROJECT, **fields}
    file = write(tmp_path / "projects" / f"{data['name']}.yaml", data)
    with pytest.raises(SpecError) as info:
        load_project(file)
    message = str(info.value)
    assert str(file) in message and "fix:" in message
    return message


def test_example_zone_is_valid(zone):
    assert zone.platform.name == "acme-ml"
    assert zone.platform.audit.object_lock_mode == "COMPLIANCE"
    assert {p.name for p in zone.projects} == {"fraud-detection", "churn"}


def test_defaults_are_the_secure_choice(tmp_path):
    platform = load_platform(write(tmp_path / "platform.yaml", PLATFORM))
    assert platform.audit.object_lock_mode == "COMPLIANCE" and platform.audit.retention_days == 2555
    assert platform.network.availability_zones == 2
    project = load_project(
        write(
            tmp_path / "projects" / "fraud.yaml",
            {
                **PROJECT,
                "notebooks": [{"owner": "alice"}],
                "spark_clusters": [{"name": "explore"}],
            },
        )
    )
    assert project.notebooks[0].idle_stop_minutes == 60
    assert project.spark_clusters[0].idle_timeout_minutes == 60


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"name": "Acme_ML"}, r"name: platform name 'Acme_ML' is not a valid name; fix: use lowercase"),
        ({"name": "a" * 25}, r"name: .* is 25 characters; fix: use at most 24"),
        ({"name": "acme--ml"}, r"not a valid name"),
        ({"region": "europe"}, r"region: 'europe' is not an AWS region; fix: write it like eu-west-1"),
        ({"network": {"cidr": "10.20.0.0/33"}}, r"network.cidr: .*not an IPv4 network"),
        ({"network": {"cidr": "10.20.0.1/16"}}, r"network.cidr: .*host bits set"),
        ({"network": {"cidr": "8.8.0.0/16"}}, r"network.cidr: '8.8.0.0/16' is not a private range"),
        (
            {"network": {"cidr": "10.0.0.0/8"}},
            r"network.cidr: '10.0.0.0/8' has prefix /8; fix: AWS VPCs take /16 to /24",
        ),
        (
            {"network": {"availability_zones": 7}},
            r"network.availability_zones: Input should be less than or equal to 3",
        ),
        ({"audit": {"object_lock_mode": "GOVERNANCE"}}, r"audit: object_lock_mode GOVERNANCE .*allow_governance_mode"),
        (
            {"audit": {"object_lock_mode": "GOVERNANCE", "allow_governance_mode": {"reason": "short"}}},
            r"audit.allow_governance_mode.reason: String should have at least 20 characters",
        ),
        ({"audit": {"retention_days": 0}}, r"audit.retention_days: Input should be greater than or equal to 1"),
        (
            {"audit": {"object_lock_mode": "LEGAL"}},
            r"audit.object_lock_mode: Input should be 'COMPLIANCE' or 'GOVERNANCE'",
        ),
        ({"predictions": {"expiry_days": 0}}, r"predictions.expiry_days"),
        ({"experiment_tracking": {"size": "Huge"}}, r"experiment_tracking.size"),
        ({"account_id": "12345"}, r"account_id: '12345' is not a 12-digit AWS account id"),
        ({"state_bucket": "Bad_Bucket"}, r"state_bucket: bucket name 'Bad_Bucket' breaks S3 naming rules"),
        ({"team": "Platform Team"}, r"team: team 'Platform Team' is not a valid name"),
        ({"cost_center": "CC 1"}, r"cost_center: cost center 'CC 1' is not a valid tag value"),
        ({"regoin": "eu-west-1"}, r"regoin: Extra inputs are not permitted; fix: remove it or fix its spelling"),
    ],
)
def test_platform_rules(tmp_path, fields, match):
    assert_matches(platform_error(tmp_path, **fields), match)


def test_platform_missing_field(tmp_path):
    file = write(tmp_path / "platform.yaml", {"name": "acme-ml"})
    with pytest.raises(SpecError, match=r"region: Field required; fix: add this field"):
        load_platform(file)


def test_bucket_names_must_fit(tmp_path):
    # 24-char name + "-access-logs-" + a long region exceeds S3's 63 characters? No: it fits; a gov region too.
    load_platform(write(tmp_path / "platform.yaml", {"name": "a" * 24, "region": "ap-southeast-2"}))


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"name": "Fraud"}, r"name: project name 'Fraud' is not a valid name"),
        ({"name": "platform"}, r"'platform' is the name of the shared stack"),
        ({"name": "lab-self-service"}, r"ends with '-self-service', the suffix of self-service stacks"),
        ({"name": "p" * 33}, r"is 33 characters; fix: use at most 32"),
        ({"team": "risk team"}, r"team: team 'risk team' is not a valid name"),
        ({"data_classification": "secret"}, r"data_classification: Input should be 'public', 'internal'"),
        ({"notebooks": [{"owner": "Alice"}]}, r"notebooks\[0\].owner: owner 'Alice' is not a valid name"),
        (
            {"notebooks": [{"owner": "alice", "instance_type": "t3.medium"}]},
            r"notebooks\[0\].instance_type: 't3.medium' is not a SageMaker instance type; fix: write it like ml.m5.large",
        ),
        ({"notebooks": [{"owner": "alice", "idle_stop_minutes": 1}]}, r"notebooks\[0\].idle_stop_minutes"),
        ({"notebooks": [{"owner": "alice"}, {"owner": "alice"}]}, r"notebooks: owner 'alice' appears twice"),
        (
            {"spark_clusters": [{"name": "explore", "idle_timeout_minutes": 4}]},
            r"spark_clusters\[0\].idle_timeout_minutes: Input should be greater than or equal to 5",
        ),
        (
            {"spark_clusters": [{"name": "explore", "idle_timeout_minutes": 10081}]},
            r"spark_clusters\[0\].idle_timeout_minutes: Input should be less than or equal to 10080",
        ),
        ({"spark_clusters": [{"name": "explore", "release_label": "emr-6.15.0"}]}, r"not an EMR 7.x release"),
        ({"spark_clusters": [{"name": "explore", "core_instance_type": "ml.m5.xlarge"}]}, r"not an EC2 instance type"),
        (
            {"spark_clusters": [{"name": "explore", "core_nodes": 0}]},
            r"core_nodes: Input should be greater than or equal to 1",
        ),
        ({"spark_clusters": [{"name": "explore", "core_nodes": 4, "max_nodes": 2}]}, r"max_nodes 2 < core_nodes 4"),
        ({"models": [{"name": "m"}]}, r"models\[0\].name: model name 'm' is not a valid name"),
        (
            {"models": [{"name": "scorer"}], "endpoints": [{"name": "api", "model": "scorer", "capture_percent": 101}]},
            r"endpoints\[0\].capture_percent: Input should be less than or equal to 100",
        ),
        (
            {"models": [{"name": "scorer"}], "endpoints": [{"name": "api", "model": "scorer", "version": "1"}]},
            r"endpoints\[0\].version: .*fix: write a whole number without quotes",
        ),
        (
            {
                "models": [{"name": "scorer"}],
                "batch_jobs": [{"name": "b", "model": "scorer", "schedule": "rate(1 day)", "version": 0}],
            },
            r"batch_jobs\[0\].version: Input should be greater than or equal to 1",
        ),
        (
            {
                "models": [{"name": "scorer"}],
                "endpoints": [{"name": "api", "model": "scorer", "min_instances": 3, "max_instances": 2}],
            },
            r"min_instances 3 > max_instances 2",
        ),
        (
            {"endpoints": [{"name": "api", "model": "ghost"}]},
            r"endpoints\[0\].model 'ghost' is not a model of this project \(models: none declared\); fix: add it",
        ),
        (
            {
                "models": [{"name": "scorer"}],
                "batch_jobs": [{"name": "nightly", "model": "scorer", "schedule": "daily"}],
            },
            r"'daily' is not a schedule; fix: cron\(0 2 \* \* \? \*\)",
        ),
        (
            {
                "models": [{"name": "scorer"}],
                "batch_jobs": [{"name": "nightly", "model": "scorer", "schedule": "cron(0 2 * * * *)"}],
            },
            r"exactly one of day-of-month and day-of-week must be '\?'",
        ),
        (
            {
                "models": [{"name": "scorer"}],
                "batch_jobs": [{"name": "nightly", "model": "other", "schedule": "rate(1 day)"}],
            },
            r"batch_jobs\[0\].model 'other' is not a model of this project \(models: scorer\)",
        ),
        ({"name": "p" * 30, "notebooks": [{"owner": "o" * 33}]}, r"over the 63-character SageMaker/EMR limit"),
        ({"notebook": [{"owner": "alice"}]}, r"notebook: Extra inputs are not permitted"),
    ],
)
def test_project_rules(tmp_path, fields, match):
    assert_matches(project_error(tmp_path, **fields), match)


def test_valid_schedules(tmp_path):
    load_project(
        write(
            tmp_path / "projects" / "fraud.yaml",
            {
                **PROJECT,
                "models": [{"name": "scorer"}],
                "batch_jobs": [
                    {"name": "job-a", "model": "scorer", "schedule": "rate(6 hours)"},
                    {"name": "job-b", "model": "scorer", "schedule": "cron(0 2 ? * MON-FRI *)"},
                ],
            },
        )
    )


def test_file_name_must_match_project_name(tmp_path):
    file = write(tmp_path / "projects" / "other.yaml", PROJECT)
    with pytest.raises(SpecError, match=r"other.yaml: name 'fraud' does not match the file name; fix: rename"):
        load_project(file)


def test_yaml_syntax_error_names_file(tmp_path):
    file = write(tmp_path / "platform.yaml", "name: [unclosed\n")
    with pytest.raises(
        SpecError,
        match=r"platform.yaml: not valid YAML at line 2, column 1: expected .,. or .\]., but got .<stream end>.; fix",
    ):
        load_platform(file)


def test_top_level_must_be_a_mapping(tmp_path):
    with pytest.raises(SpecError, match=r"expected a mapping of fields at the top level, got list"):
        load_platform(write(tmp_path / "platform.yaml", "- a\n- b\n"))


def test_missing_platform_file(tmp_path):
    with pytest.raises(SpecError, match=r"platform.yaml: file not found; fix: create it"):
        load_zone(tmp_path)


def test_duplicate_project_names(tmp_path):
    write(tmp_path / "platform.yaml", PLATFORM)
    write(tmp_path / "projects" / "fraud.yaml", PROJECT)
    write(tmp_path / "projects" / "fraud.yml", PROJECT)
    with pytest.raises(SpecError, match=r"project name 'fraud' is already used by .*fraud.yaml; fix: rename one"):
        load_zone(tmp_path)


def test_share_with_must_name_another_project(tmp_path):
    write(tmp_path / "platform.yaml", PLATFORM)
    write(tmp_path / "projects" / "fraud.yaml", {**PROJECT, "models": [{"name": "scorer", "share_with": ["ghost"]}]})
    with pytest.raises(SpecError, match=r"models\[0\].share_with names 'ghost', which is not another project"):
        load_zone(tmp_path)


def test_error_lists_every_problem(tmp_path):
    message = platform_error(tmp_path, name="BAD", region="nowhere")
    assert "2 problems" in message and "name:" in message and "region:" in message


def assert_matches(message: str, pattern: str) -> None:
    import re

    assert re.search(pattern, message), f"{pattern!r} not found in:\n{message}"
