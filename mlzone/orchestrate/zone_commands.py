"""Commands on a deployed zone and on the zone folder: verify, status, env, drift, stop, bootstrap,
new-project, schema. Each returns what the CLI prints or its exit code; Failure for a refusal."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from mlzone import drift as drift_check
from mlzone import emulator, render
from mlzone.bootstrap import bootstrap_state_bucket
from mlzone.clients import clients
from mlzone.environment import read
from mlzone.errors import DRIFT, FAILED, INVALID, Failure
from mlzone.local_identity import user_credentials
from mlzone.orchestrate.failure import interrupted
from mlzone.orchestrate.run import RunOptions, prepare, verify_step
from mlzone.scaffold import write_project
from mlzone.status import workspace_status
from mlzone.terraform.children import Interrupted
from mlzone.workspace import deployed_locally, open_workspace, resolve_stacks
from modules.layout import WORK_DIR
from stacks.spec import SpecError, json_schemas, load_platform
from stacks.target import state_key_alias


def require_deployment(root: Path, target: str) -> None:
    """On the local target, what is deployed lives in a kept emulator; without one there is nothing."""
    if target == "local" and not deployed_locally(root):
        raise Failure(
            "no local emulator is running, so nothing is deployed on the local target; fix: `mlzone deploy`", FAILED
        )


def verify(root: Path, target: str, json_out: bool) -> int:
    require_deployment(root, target)
    with open_workspace(root, target) as ws:
        checks = verify_step(ws, json_out)
    if json_out:
        render.dump([asdict(c) for c in checks])
    return FAILED if not checks or any(not c.ok for c in checks) else 0


def status(root: Path, target: str, json_out: bool) -> None:
    require_deployment(root, target)
    with open_workspace(root, target) as ws:
        rows = workspace_status(ws)
    if json_out:
        render.dump(rows)
    else:
        render.status_table(rows, target)


def env(root: Path, target: str, project: str, as_user: str | None = None) -> str:
    """The `export` lines of PROJECT's environment; with `as_user` (local only) as that emulator IAM user."""
    if as_user is not None and target != "local":
        raise Failure(
            f"--as {as_user} is for the local target only; fix: on AWS act as another identity through "
            "your SSO profile or `aws sts assume-role` (docs/lifecycle.md)",
            INVALID,
        )
    require_deployment(root, target)
    with open_workspace(root, target) as ws:
        found = read(ws, project)
        if as_user is not None:
            iam = clients(ws.region, ws.emulator_url)("iam")
            found = replace(found, credentials=user_credentials(iam, as_user))
        return found.exports()


def drift(opts: RunOptions, report: Path) -> int:
    """Plan with refresh every deployed stack; write the markdown report; 0, 1 (unchecked) or 4 (drift)."""
    require_deployment(opts.root, opts.target)
    prepare(opts)
    with open_workspace(opts.root, opts.target) as ws:
        try:
            names = resolve_stacks(ws, opts.stacks)
        except ValueError as exc:
            raise Failure(str(exc), INVALID) from None
        try:
            with render.status(f"planning with refresh: {', '.join(names)}…"):
                results = drift_check.detect(ws, names, opts.parallel)
        except Interrupted as stop:
            raise interrupted(stop, names) from None
    text = drift_check.markdown_report(results, opts.target)
    path = report if report.is_absolute() else opts.root / report
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if opts.json_out:
        render.dump([asdict(r) for r in results])
    else:
        render.out.print(text, markup=False, highlight=False, soft_wrap=True)
        for r in results:
            if r.error:
                render.err.print(r.error if opts.verbose else render.first_lines(r.error), markup=False, soft_wrap=True)
        render.line(f"drift report: {path}")
    return FAILED if any(r.error for r in results) else DRIFT if any(r.items for r in results) else 0


def stop(root: Path) -> str:
    """Stop the kept local emulator (and its MLflow server); what happened, in one line."""
    result = emulator.stop_kept(root / WORK_DIR)
    return {
        "stopped": "stopped the local emulator",
        "none": "no local emulator was kept",
        "stale": f"{WORK_DIR}/emulator.json named no running mlzone emulator (verified by command line and "
        "token): removed it, signalled nothing",
    }[result]


def bootstrap(root: Path, endpoint_url: str | None) -> list[str]:
    """Create the aws target's state bucket; the steps done."""
    try:
        platform = load_platform(root / "platform.yaml")
    except SpecError as exc:
        raise Failure(str(exc), INVALID) from None
    if platform.state_bucket is None:
        raise Failure("platform.yaml has no state_bucket; fix: add state_bucket: <globally unique name>", INVALID)
    try:
        return bootstrap_state_bucket(
            clients(platform.region, endpoint_url), platform.state_bucket, platform.region, state_key_alias(platform)
        )
    except (BotoCoreError, ClientError) as exc:
        raise Failure(f"bootstrap of s3://{platform.state_bucket} failed: {exc}", FAILED) from None


def new_project(root: Path, **fields: str) -> Path:
    try:
        return write_project(root, **fields)
    except (SpecError, FileExistsError) as exc:
        raise Failure(str(exc), INVALID) from None


def schema(out_dir: Path | None) -> list[Path]:
    """Print the JSON Schemas, or write `<kind>.schema.json` files into out_dir and return them."""
    schemas = json_schemas()
    if out_dir is None:
        render.dump(schemas)
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, body in schemas.items():
        (out_dir / f"{kind}.schema.json").write_text(json.dumps(body, indent=2) + "\n")
        written.append(out_dir / f"{kind}.schema.json")
    return written
