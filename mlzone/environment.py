"""What a notebook or script needs to work in one project: `mlzone env PROJECT` prints it as `export` lines.

Everything comes from the deployed stacks' outputs (the state, as `mlzone status` reads it):

- `MLFLOW_TRACKING_URI`: on AWS the project's managed tracking server's ARN (the `sagemaker-mlflow`
  plugin resolves it and signs the calls); locally the URL the emulator's `DescribeMlflowTrackingServer`
  answers, which is the real MLflow server mlzone runs beside it (mlzone.tracking);
- `MLZONE_DATA_URI`: the project's data prefix, `s3://<data bucket>/<project>/`;
- `MLZONE_ARTIFACT_URI`: its experiments' artifact location: the project's own server's (`mlflow_artifact_uri`,
  under the data bucket) or, on the shared server, the project's prefix in the MLflow bucket;
- locally also the emulator endpoint and its test credentials.

No key id is printed: buckets encrypt with the project's key by default, so encryption stays invisible.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mlzone.clients import clients
from mlzone.errors import INVALID, Failure
from mlzone.tracking import emulator_env, healthy
from mlzone.workspace import Workspace, stack_state, state_outputs
from modules.naming import PLATFORM_STACK


class EnvError(Failure):
    """The environment cannot be built (the message names what is missing and the fix): exit 1, or 2 when
    the command line named something unknown."""


@dataclass(frozen=True)
class ProjectEnvironment:
    project: str
    region: str
    tracking_uri: str
    data_uri: str
    artifact_uri: str
    emulator_url: str = ""  # local target only
    credentials: dict[str, str] = field(default_factory=dict)  # local target: another identity (`--as`)

    def variables(self) -> dict[str, str]:
        """The variables, in the order they are printed."""
        found = {
            "MLZONE_PROJECT": self.project,
            "MLFLOW_TRACKING_URI": self.tracking_uri,
            "MLZONE_DATA_URI": self.data_uri,
            "MLZONE_ARTIFACT_URI": self.artifact_uri,
            "AWS_DEFAULT_REGION": self.region,
        }
        return found | (emulator_env(self.emulator_url, self.region) if self.emulator_url else {}) | self.credentials

    def exports(self) -> str:
        """`export NAME=value` lines, quoted for a POSIX shell (`eval "$(mlzone env PROJECT)"`)."""
        return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in self.variables().items())


def from_outputs(
    project: str,
    region: str,
    platform: dict[str, Any],
    outputs: dict[str, Any],
    emulator_url: str = "",
    tracking_url: Callable[[str], str] | None = None,
) -> ProjectEnvironment:
    """Build the environment from the platform's and the project's stack outputs.

    The tracking server is the project's own (`tracking_server_arn` in its outputs) or else the
    platform's shared one; on the local target `tracking_url(arn)` turns it into the server's URL."""
    if "data_prefix" not in outputs:
        raise EnvError(
            f"project {project!r} is not deployed (its stack has no outputs); fix: `mlzone deploy {project}`"
        )
    arn = outputs.get("tracking_server_arn") or platform.get("tracking_server_arn")
    shared = platform.get("mlflow_bucket")
    artifacts = outputs.get("mlflow_artifact_uri") or (f"s3://{shared}/{project}/" if shared else None)
    if not arn or not artifacts:
        raise EnvError(
            "the platform has no experiment tracking; fix: set `experiment_tracking: "
            "{enabled: true}` in platform.yaml and `mlzone deploy platform`"
        )
    return ProjectEnvironment(
        project=project,
        region=region,
        data_uri=outputs["data_prefix"],
        tracking_uri=tracking_url(arn) if tracking_url else arn,
        artifact_uri=artifacts,
        emulator_url=emulator_url,
    )


def tracking_server_url(sagemaker: Any) -> Callable[[str], str]:
    """ARN → `TrackingServerUrl` as SageMaker (here: the emulator) describes the server."""

    def url(arn: str) -> str:
        name = arn.rsplit("/", 1)[-1]
        return sagemaker.describe_mlflow_tracking_server(TrackingServerName=name)["TrackingServerUrl"]

    return url


def read(ws: Workspace, project: str) -> ProjectEnvironment:
    """The environment of `project` in a workspace, read from its stacks' states."""
    if project == PLATFORM_STACK or project not in ws.stacks():
        known = [s for s in ws.stacks() if s != PLATFORM_STACK]
        raise EnvError(
            f"unknown project {project!r}; projects: {', '.join(known) or 'none'}; "
            "fix: name one of them, or run `mlzone synth`",
            INVALID,
        )

    def outputs(stack: str) -> dict[str, Any]:
        return state_outputs(stack_state(ws, stack))

    tracking_url = None
    if ws.target == "local":
        tracking_url = tracking_server_url(clients(ws.region, ws.emulator_url)("sagemaker"))
    found = from_outputs(project, ws.region, outputs(PLATFORM_STACK), outputs(project), ws.emulator_url, tracking_url)
    if ws.target == "local" and not healthy(found.tracking_uri):
        raise EnvError(
            f"the local MLflow server at {found.tracking_uri} does not answer "
            "(see .mlzone/logs/mlflow.log); fix: `mlzone stop`, then `mlzone deploy`"
        )
    return found
