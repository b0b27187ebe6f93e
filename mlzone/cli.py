"""The `mlzone` command line.

Exit codes: 0 success; 1 a step failed (e.g. the policy gate or Terraform); 2 invalid input (spec, flags).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.console import Console

import mlzone  # noqa: F401  (environment for jsii before cdktf loads)
from stacks.spec import SpecError, json_schemas

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
err = Console(stderr=True)
out = Console()

ROOT = typer.Option(Path("."), "--root", help="Folder holding platform.yaml and projects/.")
TARGET = typer.Option("local", "--target", help="local (emulator) or aws.")


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def synth_entry(root: Path) -> int:
    """Synthesize (the body of `python main.py` and `mlzone synth`); returns the exit code."""
    from mlzone.synth import synthesize
    from stacks.target import Target

    try:
        stacks = synthesize(root, target=Target.from_env())
    except SpecError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    for stack in stacks:
        out.print(f"synthesized {stack.name}: {stack / 'cdk.tf.json'}", highlight=False, soft_wrap=True)
    return 0


@app.command()
def synth(root: Path = ROOT, target: str = TARGET) -> None:
    """Validate the specs and synthesize every stack to cdktf.out/stacks/<stack>/cdk.tf.json."""
    os.environ["MLZONE_TARGET"] = target
    code = synth_entry(root)
    if code:
        raise typer.Exit(code)


@app.command()
def schema(out_dir: Path = typer.Option(None, "--out", help="Write <kind>.schema.json files here.")) -> None:
    """Print (or write) the JSON Schemas of platform.yaml and projects/*.yaml for editor completion."""
    schemas = json_schemas()
    if out_dir is None:
        typer.echo(json.dumps(schemas, indent=2))
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind, body in schemas.items():
        (out_dir / f"{kind}.schema.json").write_text(json.dumps(body, indent=2) + "\n")
        out.print(f"wrote {out_dir / f'{kind}.schema.json'}")
