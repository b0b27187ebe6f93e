"""Converging after an apply stopped by Ctrl-C: the next plan first repairs what the stop left in the state.

Two things can be left. A create that finished while Terraform stopped is in the state but tainted, so the
next plan would replace it (gate 2 refuses replacing keys and audit buckets): it is untainted, and the plan's
refresh reads it as it is. A create whose call was in flight is cancelled on our side, but AWS may have
carried it out: it is then missing from the state, and creating it again fails ("already exists"). Such a
resource is imported when its import ID follows from its configuration (IMPORT_IDS); when AWS never created
it the import finds nothing, and the plan creates it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mlzone.terraform.errors import TerraformError
from mlzone.terraform.runner import Terraform
from mlzone.workspace import Workspace, state_resources
from stacks.target import MOTO_ACCOUNT_ID

NOT_FOUND = "Cannot import non-existent remote object"  # Terraform's words when there is nothing to import

Where = tuple[str, str]  # (account, region) of the stack's provider
IMPORT_IDS: dict[str, Callable[[dict[str, Any], Where], str]] = {  # import IDs of hashicorp/aws 5.100.0
    "aws_athena_workgroup": lambda c, w: c["name"],
    "aws_cloudtrail": lambda c, w: f"arn:aws:cloudtrail:{w[1]}:{w[0]}:trail/{c['name']}",
    "aws_cloudwatch_log_group": lambda c, w: c["name"],
    "aws_ecr_repository": lambda c, w: c["name"],
    "aws_emr_security_configuration": lambda c, w: c["name"],
    "aws_glue_catalog_database": lambda c, w: f"{c.get('catalog_id', w[0])}:{c['name']}",
    "aws_glue_catalog_table": lambda c, w: f"{c.get('catalog_id', w[0])}:{c['database_name']}:{c['name']}",
    "aws_iam_instance_profile": lambda c, w: c["name"],
    "aws_iam_policy": lambda c, w: f"arn:aws:iam::{w[0]}:policy{c.get('path', '/')}{c['name']}",
    "aws_iam_role": lambda c, w: c["name"],
    "aws_kms_alias": lambda c, w: c["name"],
    "aws_s3_bucket": lambda c, w: c["bucket"],
    "aws_sagemaker_mlflow_tracking_server": lambda c, w: c["tracking_server_name"],
    "aws_sagemaker_model_package_group": lambda c, w: c["model_package_group_name"],
    "aws_sagemaker_notebook_instance": lambda c, w: c["name"],
    "aws_sagemaker_notebook_instance_lifecycle_configuration": lambda c, w: c["name"],
}


@dataclass
class Repaired:
    """What the plan after an interrupted apply repaired in the state."""

    untainted: list[str] = field(default_factory=list)  # finished creates Terraform had tainted
    adopted: list[str] = field(default_factory=list)  # in-flight creates AWS carried out, imported
    unadopted: list[str] = field(default_factory=list)  # in-flight creates with no import rule: look for them


def in_flight(apply_log: str) -> list[str]:
    """Addresses whose create the log shows started and never finished."""
    started = re.findall(r"^(\S+): Creating\.\.\.$", apply_log, flags=re.M)
    finished = set(re.findall(r"^(\S+): Creation complete", apply_log, flags=re.M))
    return [a for a in dict.fromkeys(started) if a not in finished]


def mark_interrupted(ws: Workspace, tf: Terraform) -> None:
    """Note that the stack's apply was stopped, with the creates it had in flight."""
    marker = ws.interrupted_marker(tf.stack)
    marker.parent.mkdir(parents=True, exist_ok=True)
    log = tf.log_path("apply")
    marker.write_text("\n".join(in_flight(log.read_text(errors="replace")) if log.is_file() else []))


def import_id(doc: dict[str, Any], address: str) -> str | None:
    """The import ID of a resource of the synthesized stack, or None: no rule, or a value only known later."""
    kind, _, name = address.partition(".")
    config = doc.get("resource", {}).get(kind, {}).get(name)
    if kind not in IMPORT_IDS or config is None:
        return None
    provider = doc.get("provider", {}).get("aws", [{}])[0]
    where = (provider.get("allowed_account_ids", [MOTO_ACCOUNT_ID])[0], provider.get("region", ""))
    try:
        found = IMPORT_IDS[kind](config, where)
    except KeyError:  # e.g. a bucket named by bucket_prefix
        return None
    return None if "${" in found else found


def repair_interrupted(ws: Workspace, tf: Terraform) -> Repaired:
    """After an apply stopped by Ctrl-C: untaint what it left tainted, import what it created unrecorded."""
    marker = ws.interrupted_marker(tf.stack)
    if not marker.is_file():
        return Repaired()
    state = json.loads(tf.run("show", "-json", "-no-color", log_as="show-state").stdout or "{}")
    recorded = {r["address"]: r for r in state_resources(state)}
    repaired = Repaired(untainted=[a for a, r in recorded.items() if r.get("tainted")])
    for address in repaired.untainted:
        tf.run("untaint", address, log_as="untaint")
    doc = json.loads((ws.stack_dir(tf.stack) / "cdk.tf.json").read_text())
    for address in (a for a in marker.read_text().split() if a not in recorded):
        if (found := import_id(doc, address)) is None:
            repaired.unadopted.append(address)
            continue
        try:
            tf.run("import", "-input=false", "-no-color", address, found, log_as="import")
        except TerraformError as exc:
            if NOT_FOUND not in str(exc):
                raise
            continue
        repaired.adopted.append(address)
    marker.unlink()
    return repaired
