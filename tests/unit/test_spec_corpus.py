"""A corpus of hostile and malformed spec files (issue 9 section 6), binary and huge ones generated here.

Every case must fail with a SpecError that names the file and the field (or the problem), repeats
no more than a short excerpt of the file, stays under 2,000 characters, and comes back in well under
a second. A few cases also run through the real CLI: exit code 2 and no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from stacks.spec import SpecError, load_zone

pytestmark = pytest.mark.unit

PLATFORM = {"name": "acme-ml", "region": "eu-west-1"}
PROJECT = {"name": "fraud", "team": "risk", "cost_center": "CC-1", "data_classification": "confidential"}
MODEL = {"models": [{"name": "scorer"}]}
SECRET = "s3cr3t-c0ntent-that-must-not-leak"
MESSAGE_MAX = 2000


def platform(**fields) -> dict[str, bytes]:
    return {"platform.yaml": yaml.safe_dump({**PLATFORM, **fields}).encode()}


def project(**fields) -> dict[str, bytes]:
    data = {**PROJECT, **fields}
    return {**platform(), f"projects/{data['name']}.yaml": yaml.safe_dump(data).encode()}


def raw_platform(text: str | bytes) -> dict[str, bytes]:
    return {"platform.yaml": text if isinstance(text, bytes) else text.encode()}


def job(schedule: str) -> dict[str, bytes]:
    return project(**MODEL, batch_jobs=[{"name": "nightly", "model": "scorer", "schedule": schedule}])


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)

# (case id, files of the zone (None: a directory), file named in the message, text the message must contain)
CASES = [
    ("directory", {"platform.yaml": None}, "platform.yaml", "is a directory"),
    ("binary", raw_platform(os.urandom(64) + b"\0"), "platform.yaml", "binary"),
    ("latin-1", raw_platform("name: acme-ml\nteam: caf\xe9\n".encode("latin-1")), "platform.yaml", "not UTF-8"),
    ("utf-16", raw_platform("name: acme-ml\n".encode("utf-16")), "platform.yaml", "binary"),
    ("huge-file", raw_platform(b"name: acme-ml\n# " + b"x" * 2_000_000 + b"\n"), "platform.yaml", "KiB limit"),
    ("huge-value", raw_platform("name: " + "a" * 60_000 + "\nregion: eu-west-1\n"), "platform.yaml", "name:"),
    ("alias-bomb", raw_platform(BOMB), "platform.yaml", "aliases expanded"),
    ("deep-nesting", raw_platform("name: " + "[" * 30_000 + "]" * 30_000 + "\n"), "platform.yaml", "nesting deeper"),
    (
        "deep-alias",
        raw_platform("a: &a [[[[[[[[[[x]]]]]]]]]]\nb: &b [[[[[[[[[[*a]]]]]]]]]]\nc: [[[*b]]]\n"),
        "platform.yaml",
        "nesting deeper",
    ),
    (
        "duplicate-key",
        raw_platform("name: acme-ml\nregion: eu-west-1\nname: other\n"),
        "platform.yaml",
        "key 'name' appears twice",
    ),
    (
        "duplicate-nested-key",
        raw_platform("name: acme-ml\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.0/16\n  cidr: 10.1.0.0/16\n"),
        "platform.yaml",
        "key 'cidr' appears twice",
    ),
    ("syntax", raw_platform("name: [" + "x, " * 5000 + "\n"), "platform.yaml", "not valid YAML"),
    ("control-character", raw_platform("name: acme\x07ml\n"), "platform.yaml", "special characters"),
    ("empty", raw_platform(""), "platform.yaml", "expected a mapping"),
    ("not-a-mapping", raw_platform("- a\n- b\n"), "platform.yaml", "expected a mapping"),
    (
        "python-tag",
        raw_platform("name: !!python/object/apply:os.system [echo hi]\n"),
        "platform.yaml",
        "not valid YAML",
    ),
    ("bool-as-int", platform(network={"availability_zones": True}), "platform.yaml", "network.availability_zones"),
    ("string-as-int", platform(network={"availability_zones": "3"}), "platform.yaml", "network.availability_zones"),
    ("float-as-int", platform(predictions={"expiry_days": 30.0}), "platform.yaml", "predictions.expiry_days"),
    (
        "string-as-bool",
        platform(experiment_tracking={"enabled": "yes"}),
        "platform.yaml",
        "experiment_tracking.enabled",
    ),
    ("int-as-string", platform(team=7), "platform.yaml", "team"),
    (
        "date-as-string",
        raw_platform("name: acme-ml\nregion: eu-west-1\ncost_center: 2024-01-01\n"),
        "platform.yaml",
        "cost_center",
    ),
    ("many-problems", platform(**{f"extra{i}": "x" * 100 for i in range(300)}), "platform.yaml", "more"),
    ("platform-name-short", platform(name="ab"), "platform.yaml", "name"),
    ("bucket-xn", platform(state_bucket="xn--state"), "platform.yaml", "state_bucket"),
    ("bucket-sthree", platform(state_bucket="sthree-state"), "platform.yaml", "state_bucket"),
    ("bucket-s3alias", platform(state_bucket="state-s3alias"), "platform.yaml", "state_bucket"),
    ("bucket-ol-s3", platform(state_bucket="state--ol-s3"), "platform.yaml", "state_bucket"),
    ("bucket-ip", platform(state_bucket="192.168.5.4"), "platform.yaml", "IP address"),
    ("bucket-newline", platform(state_bucket="state\n"), "platform.yaml", "state_bucket"),
    ("cidr-link-local", platform(network={"cidr": "169.254.0.0/16"}), "platform.yaml", "not a private range"),
    ("cidr-loopback", platform(network={"cidr": "127.0.0.0/16"}), "platform.yaml", "not a private range"),
    ("cidr-test-net", platform(network={"cidr": "192.0.2.0/24"}), "platform.yaml", "not a private range"),
    ("cidr-cgnat", platform(network={"cidr": "100.64.0.0/16"}), "platform.yaml", "not a private range"),
    ("cidr-newline", platform(network={"cidr": "10.20.0.0/16\n"}), "platform.yaml", "network.cidr"),
    ("region-arabic-digit", platform(region="eu-west-\u0661"), "platform.yaml", "region"),
    ("region-newline", platform(region="eu-west-1\n"), "platform.yaml", "region"),
    ("account-arabic-digits", platform(account_id="\u0661" * 12), "platform.yaml", "account_id"),
    ("retention-under-policy", platform(audit={"retention_days": 365}), "platform.yaml", "audit.retention_days"),
    (
        "whitespace-reason",
        platform(audit={"object_lock_mode": "GOVERNANCE", "allow_governance_mode": {"reason": " " * 30}}),
        "platform.yaml",
        "audit.allow_governance_mode.reason",
    ),
    (
        "reason-control-chars",
        platform(
            audit={"object_lock_mode": "GOVERNANCE", "allow_governance_mode": {"reason": "a long enough reason\x1b[2J"}}
        ),
        "platform.yaml",
        "audit.allow_governance_mode.reason",
    ),
    ("team-newline", project(team="risk\n"), "fraud.yaml", "team"),
    (
        "instance-newline",
        project(notebooks=[{"owner": "alice", "instance_type": "ml.t3.medium\n"}]),
        "fraud.yaml",
        "notebooks[0].instance_type",
    ),
    ("list-as-string", project(notebooks="alice"), "fraud.yaml", "notebooks"),
    (
        "capture-under-policy",
        project(**MODEL, endpoints=[{"name": "api", "model": "scorer", "capture_percent": 0}]),
        "fraud.yaml",
        "endpoints[0].capture_percent",
    ),
    ("cron-template", job('cron(${file("/etc/hostname")} 2 * * ? *)'), "fraud.yaml", "batch_jobs[0].schedule"),
    ("cron-minute-range", job("cron(61 2 * * ? *)"), "fraud.yaml", "minutes field"),
    ("cron-hour-range", job("cron(0 24 * * ? *)"), "fraud.yaml", "hours field"),
    ("cron-dom-range", job("cron(0 2 32 * ? *)"), "fraud.yaml", "day-of-month field"),
    ("cron-month-range", job("cron(0 2 ? 13 MON *)"), "fraud.yaml", "month field"),
    ("cron-dow-name", job("cron(0 2 ? * FUNDAY *)"), "fraud.yaml", "day-of-week field"),
    ("cron-year-range", job("cron(0 2 * * ? 3000)"), "fraud.yaml", "year field"),
    ("cron-letters", job("cron(a b c d e f)"), "fraud.yaml", "batch_jobs[0].schedule"),
    ("cron-five-fields", job("cron(0 2 * * ?)"), "fraud.yaml", "batch_jobs[0].schedule"),
    ("cron-newline", job("cron(0 2 * * ? *)\n"), "fraud.yaml", "batch_jobs[0].schedule"),
    ("rate-template", job("rate(${var.x} days)"), "fraud.yaml", "batch_jobs[0].schedule"),
    ("rate-plural", job("rate(1 days)"), "fraud.yaml", "batch_jobs[0].schedule"),
    (
        "model-ref-template",
        project(**MODEL, endpoints=[{"name": "api", "model": "${var.x}"}]),
        "fraud.yaml",
        "endpoints[0].model",
    ),
    (
        "share-with-template",
        project(models=[{"name": "scorer", "share_with": ["%{if true}x%{endif}"]}]),
        "fraud.yaml",
        "models[0].share_with[0]",
    ),
    (
        "arguments-too-long",
        project(
            **MODEL,
            batch_jobs=[{"name": "nightly", "model": "scorer", "schedule": "rate(1 day)", "arguments": ["x" * 501]}],
        ),
        "fraud.yaml",
        "batch_jobs[0].arguments[0]",
    ),
    # `<project>--<name>` names cannot repeat across projects; two entries of one project still can:
    # the notebook role <p>--nb-<owner> and the endpoint role <p>--<endpoint>-endpoint.
    (
        "name-collision",
        project(**MODEL, notebooks=[{"owner": "x-endpoint"}], endpoints=[{"name": "nb-x", "model": "scorer"}]),
        "fraud.yaml",
        "endpoints[0].name",
    ),
    (
        "name-collision-roles",
        {
            **project(name="fraud", notebooks=[{"owner": "detection-nb-x"}]),
            "projects/fraud-detection.yaml": yaml.safe_dump(
                {**PROJECT, "name": "fraud-detection", "notebooks": [{"owner": "x"}]}
            ).encode(),
        },
        "fraud",
        "notebooks[0].owner",
    ),
]


def write_zone(root: Path, files: dict[str, bytes | None]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir()
        else:
            path.write_bytes(content)
    return root


def assert_refused(root: Path, file: str, text: str) -> str:
    start = time.monotonic()
    with pytest.raises(SpecError) as info:
        load_zone(root)
    elapsed = time.monotonic() - start
    message = str(info.value)
    assert file in message, message
    assert text in message, message
    assert len(message) < MESSAGE_MAX, f"{len(message)} characters"
    assert "Traceback" not in message
    # not a timing claim (bench/synth.py measures that): a guard against blow-ups such as alias bombs,
    # loose enough for a loaded CI machine
    assert elapsed < 10, f"took {elapsed:.2f} s"
    return message


@pytest.mark.parametrize(("files", "file", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_spec_is_refused(tmp_path, files, file, text):
    assert_refused(write_zone(tmp_path, files), file, text)


def test_collision_names_both_files_and_fields(tmp_path):
    case = dict((c[0], c[1]) for c in CASES)["name-collision"]
    message = assert_refused(write_zone(tmp_path, case), "fraud.yaml", "endpoints[0].name")
    assert "notebooks[0].owner" in message and "'fraud--nb-x-endpoint'" in message


def test_symlink_out_of_the_zone_is_refused_without_echoing_it(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(f"name: acme-ml\nregion: eu-west-1\n{SECRET}: {SECRET}\n")
    zone = write_zone(tmp_path / "zone", project())
    (zone / "platform.yaml").unlink()
    (zone / "platform.yaml").symlink_to(outside / "secret.yaml")
    message = assert_refused(zone, "platform.yaml", "outside the zone folder")
    assert SECRET not in message
    (zone / "platform.yaml").unlink()
    (zone / "platform.yaml").write_text(yaml.safe_dump(PLATFORM))
    (zone / "projects" / "fraud.yaml").unlink()
    (zone / "projects" / "fraud.yaml").symlink_to(outside / "secret.yaml")
    assert SECRET not in assert_refused(zone, "fraud.yaml", "outside the zone folder")


def test_symlink_inside_the_zone_is_followed(tmp_path):
    zone = write_zone(tmp_path, {**platform(), "shared/fraud.yaml": yaml.safe_dump(PROJECT).encode()})
    (zone / "projects").mkdir()
    (zone / "projects" / "fraud.yaml").symlink_to(zone / "shared" / "fraud.yaml")
    assert [p.name for p in load_zone(zone).projects] == ["fraud"]


def test_long_value_is_not_echoed(tmp_path):
    message = assert_refused(write_zone(tmp_path, platform(team="t" * 50_000)), "platform.yaml", "team")
    assert "t" * 100 not in message


@pytest.mark.parametrize(
    "schedule",
    [
        "cron(0 2 * * ? *)",
        "cron(0/15 8-17 ? * MON-FRI *)",
        "cron(5,35 14 L * ? 2026-2030)",
        "cron(0 9 ? * 6#3 *)",
        "cron(0 9 15W * ? *)",
        "cron(0 9 ? * FRIL *)",
        "cron(0 0 1 JAN,JUL ? *)",
        "rate(1 minute)",
        "rate(90 minutes)",
    ],
)
def test_valid_schedules_still_pass(tmp_path, schedule):
    load_zone(write_zone(tmp_path, job(schedule)))


def test_merge_keys_are_not_duplicates(tmp_path):
    text = (
        "name: fraud\nteam: risk\ncost_center: CC-1\ndata_classification: internal\n"
        "base: &nb {instance_type: ml.t3.medium}\n"
    )
    # `base` is an unknown field: merge keys are read, the extra key is what is refused
    zone = write_zone(tmp_path, {**platform(), "projects/fraud.yaml": text.encode()})
    assert_refused(zone, "fraud.yaml", "base")
    text = (
        "name: fraud\nteam: risk\ncost_center: CC-1\ndata_classification: internal\n"
        "notebooks:\n  - &a {owner: alice, instance_type: ml.t3.medium}\n  - {<<: *a, owner: bob}\n"
    )
    zone = write_zone(tmp_path / "ok", {**platform(), "projects/fraud.yaml": text.encode()})
    assert [n.owner for n in load_zone(zone).projects[0].notebooks] == ["alice", "bob"]


CLI_CASES = ["binary", "alias-bomb", "whitespace-reason"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_exits_2_without_traceback(tmp_path, case):
    files = dict((c[0], c[1]) for c in CASES)[case]
    root = write_zone(tmp_path, files)
    mlzone = Path(sys.executable).with_name("mlzone")
    done = subprocess.run(
        [str(mlzone), "synth", "--root", str(root)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr + done.stdout
    assert "platform.yaml" in done.stderr and len(done.stderr) < MESSAGE_MAX + 200


def test_symlink_loop_and_fifo_are_refused(tmp_path):
    zone = write_zone(tmp_path, {})
    (zone / "platform.yaml").symlink_to(zone / "platform.yaml")
    assert_refused(zone, "platform.yaml", "loops")
    (zone / "platform.yaml").unlink()
    os.mkfifo(zone / "platform.yaml")  # reading it would block forever
    assert_refused(zone, "platform.yaml", "not a regular file")
