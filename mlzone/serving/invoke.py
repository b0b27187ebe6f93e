"""`mlzone invoke PROJECT ENDPOINT JSON|@file`: call a project's endpoint (`<project>--<endpoint>`) with
sagemaker-runtime InvokeEndpoint on either target and print the answer body. The body is checked as JSON
before any AWS call (exit 2 otherwise)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from botocore.exceptions import ClientError

from mlzone.clients import clients
from mlzone.emulator import kept_url
from mlzone.workspace import open_workspace
from modules.layout import WORK_DIR
from modules.naming import SAGEMAKER_NAME_MAX, project_name


def read_body(body: str) -> bytes:
    """The JSON request body (`@path` reads a file); typer.BadParameter naming the problem otherwise."""
    text = body
    if body.startswith("@"):
        path = Path(body[1:])
        try:
            text = path.read_text()
        except OSError as e:
            raise typer.BadParameter(
                f"{path}: {e.strerror}; fix: name a readable JSON file", param_hint="BODY"
            ) from None
    try:
        json.loads(text)
    except ValueError as e:
        where = body[1:] if body.startswith("@") else "the body"
        raise typer.BadParameter(
            f"{where} is not JSON ({e}); fix: pass e.g. "
            '\'{"dataframe_split": {"columns": [...], "data": [[...]]}}\'',
            param_hint="BODY",
        ) from None
    return text.encode()


INFERENCE_ID = typer.Option(None, "--inference-id", help="Recorded in the capture record.")
ROOT = typer.Option(Path("."), "--root", help="Folder holding platform.yaml and projects/.")
TARGET = typer.Option("local", "--target", help="local (emulator) or aws.")


def invoke(
    project: str = typer.Argument(..., help="Project name."),
    endpoint: str = typer.Argument(..., help="Endpoint name in the project spec."),
    body: str = typer.Argument(..., help="JSON request body, or @file holding it."),
    inference_id: str = INFERENCE_ID,
    root: Path = ROOT,
    target: str = TARGET,
) -> None:
    """Call PROJECT's endpoint ENDPOINT with a JSON body and print the prediction."""
    data = read_body(body)
    name = project_name(project, endpoint)
    if len(name) > SAGEMAKER_NAME_MAX:
        raise typer.BadParameter(f"{name!r} is over {SAGEMAKER_NAME_MAX} characters; no such endpoint exists")
    if target == "local" and kept_url(root.resolve() / WORK_DIR) is None:
        typer.echo("no local zone is running; fix: `mlzone deploy` first", err=True)
        raise typer.Exit(1)
    with open_workspace(root, target, keep=True) as ws:
        runtime = clients(ws.region, ws.emulator_url)("sagemaker-runtime")
        extra = {"InferenceId": inference_id} if inference_id else {}
        try:
            reply = runtime.invoke_endpoint(EndpointName=name, Body=data, ContentType="application/json", **extra)
        except ClientError as e:
            error = e.response.get("Error", {})
            typer.echo(f"{name}: {error.get('Code')}: {error.get('Message')}", err=True)
            raise typer.Exit(2 if error.get("Code") == "ValidationError" else 1) from None
    typer.echo(reply["Body"].read().decode())
