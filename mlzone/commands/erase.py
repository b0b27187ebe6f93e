"""`mlzone erase --subject ID`: remove one data subject's predictions (mlzone.predictions.erase)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from mlzone.commands.common import ROOT, TARGET, reported
from mlzone.zone_access import ZoneAccess, open_zone
from modules.naming import project_name

out = Console()


def subject_fields(access: ZoneAccess) -> dict[tuple[str, str], str | None]:
    """(project, endpoint physical name) → the subject field of the endpoint's model."""
    found: dict[tuple[str, str], str | None] = {}
    for p in access.zone.projects:
        fields = {m.name: m.subject_field for m in p.models}
        for e in p.endpoints:
            found[(p.name, project_name(p.name, e.name))] = fields.get(e.model)
    return found


@reported
def command(
    subject: str = typer.Option(..., "--subject", help="The data subject's id, as the model's subject_field holds it."),
    project: str = typer.Option(None, "--project", help="Only this project's predictions."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Report what would be removed; change nothing (on AWS the subject index is updated)."
    ),
    root: Path = ROOT,
    target: str = TARGET,
) -> None:
    """Erase one data subject's predictions from the log (every object version), with a receipt."""
    from mlzone.predictions import subjects  # loaded on use: keeps `mlzone` start fast
    from mlzone.predictions.capture_index import catch_up
    from mlzone.predictions.erase import erase

    access = open_zone(root, target)
    if project:
        access.zone.project(project)
    s3, bucket = access.client("s3"), access.bucket("predictions")
    key = subjects.hmac_key(access.client("secretsmanager"), access.zone.platform.name, access.data_key_alias())
    fields = subject_fields(access)
    scope = [project] if project else [p.name for p in access.zone.projects]
    if not access.local:  # SageMaker indexes nothing; the local emulator indexes as it captures
        with out.status("indexing the captures written since the last erasure"):
            read = catch_up(s3, bucket, key, {k: v for k, v in fields.items() if k[0] in scope})
        out.print(f"subject index: {read} capture files read", highlight=False)

    def field_of(object_key: str) -> str | None:
        return fields.get(tuple(object_key.split("/")[:2]))  # type: ignore[arg-type]

    receipt = erase(
        s3,
        bucket,
        access.bucket("audit"),
        key,
        subject,
        field_of,
        access.operator(),
        scope,
        dry_run,
    )
    verb = "would remove" if dry_run else "removed"
    out.print(
        f"subject key {receipt.subject_key[:16]}…: {verb} {receipt.records_removed} records "
        f"from {len(receipt.objects)} objects",
        highlight=False,
    )
    if receipt.record_uri:
        out.print(f"receipt: {receipt.record_uri}", highlight=False)
