"""The README's "From notebook to audited prediction", executed as written: every line of its
`<!-- walkthrough -->` blocks, in order, in bash, in a copy of the repository (a git checkout of its own,
so the training commit is real), each line a subprocess whose output is asserted.

Lines run one at a time, each starting from the environment the previous one left (`set -a`: as in
one terminal, `eval "$(mlzone env …)"` and `RUN_ID=…` carry over). Covered elsewhere, not repeated here:
a second approve and the registering identity approving are refused (test_model_lifecycle.py)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO
from tests.e2e.test_tracking import clean_env

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
GROUP_ARN = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model-package/fraud-detection--fraud-scorer"
STOP = ".venv/bin/mlzone stop"


def readme_lines(marker: str) -> list[str]:
    """The command lines of every README block marked `<!-- marker -->`, in order."""
    blocks = re.findall(rf"<!-- {marker} -->\s*```bash\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)
    assert blocks, f"README has no {marker} blocks"
    return [line for block in blocks for line in block.strip().splitlines()]


def repository_copy(root: Path) -> Path:
    """The repository's files (tracked and new, not ignored) in `root`, committed in a git repo of its own;
    its `.venv` is the repository's (a link)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    (root / ".venv").symlink_to(REPO / ".venv")
    git = ["git", "-c", "user.name=walkthrough", "-c", "user.email=walkthrough@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "the repository as a user clones it"]):
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)
    return root


class Shell:
    """One terminal: each line runs in bash in `cwd`, from the environment the previous line left."""

    def __init__(self, cwd: Path, state: Path) -> None:
        self.cwd, self.state, self.env = cwd, state, clean_env({})

    def run(self, line: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
        script = f"set -a\n{line}\nrc=$?\nenv -0 > {shlex.quote(str(self.state))}\nexit $rc\n"
        done = subprocess.run(
            ["bash", "-c", script], cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        self.env = dict(v.split("=", 1) for v in self.state.read_text().split("\0") if "=" in v)
        return done


def trace_links(printed: str) -> dict[str, dict[str, str]]:
    """`mlzone trace` output as {link: {fact: value}}; a missing link has `missing` set to its reason."""
    links: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in printed.splitlines():
        if line.startswith(("✓ ", "✗ ")):
            name, _, rest = line[2:].partition(":")
            current = links.setdefault(name, {"missing": rest.strip() if line.startswith("✗") else ""})
        elif line.startswith("    "):
            key, _, value = line.strip().partition(": ")
            current[key] = value
    return links


def flat(text: str) -> str:
    """`text` without whitespace: rich wraps long lines at the terminal's width, even inside an ARN."""
    return "".join(text.split())


def ok(done: subprocess.CompletedProcess[str], line: str) -> str:
    assert done.returncode == 0, f"{line}\nexit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.timeout(2400)
def test_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    lines = readme_lines("walkthrough")
    assert lines[-1] == STOP
    root = repository_copy(tmp_path / "mlzone")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    shell = Shell(root, tmp_path / "env")
    out: dict[str, subprocess.CompletedProcess[str]] = {}
    try:
        for line in lines[:-1]:
            out[line] = done = shell.run(
                line, timeout=1500 if "mlzone deploy" in line or " batch run " in line else 300
            )
            if " trace " not in line:
                ok(done, line)

        [register] = [line for line in lines if " model register " in line]
        assert flat(f"registered {GROUP_ARN}/1 (PendingManualApproval)") in flat(out[register].stdout)
        assert re.search(r"imagesha256:[0-9a-f]{64}", flat(out[register].stdout)), out[register].stdout
        [approve] = [line for line in lines if " model approve " in line]
        reason = shlex.split(approve)[shlex.split(approve).index("--reason") + 1]
        assert flat(f"Approved {GROUP_ARN}/1 by arn:aws:iam::{ACCOUNT}:user/alice") in flat(out[approve].stdout)
        [invoke] = [line for line in lines if " invoke " in line]
        [[legit, fraud]] = json.loads(out[invoke].stdout)["predictions"]
        assert abs(legit + fraud - 1) < 1e-9 and fraud > 0.5, "the trained model scored the risky transaction"

        [trace, batch_trace] = [line for line in lines if " trace " in line]
        links = trace_links(out[trace].stdout)
        assert list(links) == ["prediction", "deploy", "model version", "approval", "training run"], out[trace]
        assert not [n for n, link in links.items() if link["missing"]], out[trace].stdout
        assert out[trace].returncode == 0, out[trace].stderr
        prediction, version, approval, run = (
            links[n] for n in ("prediction", "model version", "approval", "training run")
        )
        assert (prediction["inference_id"], prediction["endpoint"]) == ("txn-0001", "fraud-detection--scorer")
        assert "420.0" in prediction["input"] and str(fraud)[:6] in prediction["output"]
        assert links["deploy"]["git_commit"] == commit, "the deploy record names the zone's commit"
        assert (
            links["deploy"]["record_uri"].startswith("s3://")
            and "/deployments/fraud-detection/" in links["deploy"]["record_uri"]
        )
        assert (version["arn"], version["status"]) == (f"{GROUP_ARN}/1", "Approved")
        assert version["image_digest"].startswith("sha256:") and version["artifact"].endswith("/model.tar.gz")
        assert (approval["decision"], approval["approver"], approval["reason"]) == (
            "Approved",
            f"arn:aws:iam::{ACCOUNT}:user/alice",
            reason,
        )
        assert approval["registered_by"] == f"arn:aws:iam::{ACCOUNT}:user/carol"
        assert approval["record_uri"].startswith(
            "s3://acme-ml-audit-eu-west-1/approvals/fraud-detection/fraud-scorer/1-"
        )
        assert flat(f"record {approval['record_uri']}") in flat(out[approve].stdout), "the record approve wrote"
        assert (run["run_id"], run["git_commit"]) == (shell.env["RUN_ID"], commit)
        [pointer] = json.loads(run["data"])
        assert (
            pointer["uri"].startswith("s3://")
            and "/fraud-detection/datasets/" in pointer["uri"]
            and pointer["version_id"]
        )
        assert json.loads(run["metrics"])["auc"] > 0.7 and json.loads(run["params"])["rows"] == "5000"

        batch_run_and_trace(out, lines, links, batch_trace)
        [report] = [line for line in lines if " predictions report " in line]
        assert all(source in out[report].stdout for source in ("batch", "endpoint")), out[report].stdout
        html = (root / "report.html").read_text()
        assert html.count("data:image/png;base64,") >= 2, "the output distribution and the drift plots"
        erased(out, lines)

        refused_versions(shell)
    finally:
        stopped = shell.run(STOP)
    ok(stopped, STOP)


def batch_run_and_trace(
    out: dict[str, subprocess.CompletedProcess[str]], lines: list[str], online: dict, trace: str
) -> None:
    """The batch run scored the whole input with version 1, the log holds both sources, and a batch prediction
    traces through its run and the deploy that set the job's version to the same approval and training run."""
    [run_line] = [line for line in lines if " batch run " in line]
    assert flat("succeeded: run") in flat(out[run_line].stdout), out[run_line].stdout
    [counts] = [line for line in lines if "GROUP BY" in line]
    assert json.loads(out[counts].stdout) == [
        {"source": "batch", "model_version": 1, "n": 2000},
        {"source": "endpoint", "model_version": 1, "n": 1},
    ]
    links = trace_links(out[trace].stdout)
    assert list(links) == ["prediction", "batch run", "deploy", "model version", "approval", "training run"], (
        out[trace].stdout + out[trace].stderr
    )
    assert not [n for n, link in links.items() if link["missing"]], out[trace].stdout
    assert out[trace].returncode == 0, out[trace].stderr
    assert links["prediction"]["batch_job"] == "nightly-scoring"
    assert (links["batch run"]["status"], links["batch run"]["rows_out"]) == ("succeeded", "2000")
    assert links["batch run"]["record_uri"] in flat(out[run_line].stdout), "the manifest the run printed"
    assert links["deploy"]["record_uri"] == online["deploy"]["record_uri"], "the deploy that set both versions"
    assert links["approval"]["record_uri"] == online["approval"]["record_uri"]
    assert links["training run"]["run_id"] == online["training run"]["run_id"]


def erased(out: dict[str, subprocess.CompletedProcess[str]], lines: list[str]) -> None:
    """The dry run removes nothing; the erasure removes the customer's capture and batch row, with a receipt."""
    [dry_run, erase] = [line for line in lines if " erase " in line]
    assert "would remove 2 records from 2 objects" in out[dry_run].stdout, out[dry_run].stdout
    assert "removed 2 records from 2 objects" in out[erase].stdout, out[erase].stdout
    assert flat("receipt: s3://acme-ml-audit-eu-west-1/erasures/") in flat(out[erase].stdout)
    [count] = [line for line in lines if '"SELECT count(*) AS n FROM predictions"' in line]
    assert json.loads(out[count].stdout) == [{"n": 1999}], "2000 batch rows and 1 capture, less the customer's 2"


def refused_versions(shell: Shell) -> None:
    """A rejected version cannot be deployed and a pending one is refused at plan: exit 3 before Terraform."""
    carol, alice = (f'eval "$(.venv/bin/mlzone env fraud-detection --as {who})"' for who in ("carol", "alice"))
    register = '.venv/bin/mlzone model register fraud-detection fraud-scorer --run "$RUN_ID"'
    reject = (
        '.venv/bin/mlzone model reject fraud-detection fraud-scorer 2 --reason "trained on a month later withdrawn"'
    )
    for line in (carol, register, register, alice, reject):
        ok(shell.run(line), line)
    for version, command, status in ((2, "deploy", "Rejected"), (3, "plan", "PendingManualApproval")):
        shell.run(f"sed -i 's/version: {version - 1}}}/version: {version}}}/' projects/fraud-detection.yaml")
        done = shell.run(f".venv/bin/mlzone {command} fraud-detection --no-synth")
        refusal = flat(done.stderr)
        assert done.returncode == 3, refusal
        assert flat(f"version {version}: status {status}, not Approved") in refusal, done.stderr
        assert flat(f"mlzone model approve fraud-detection fraud-scorer {version} --reason") in refusal
