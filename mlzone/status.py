"""What is deployed, per stack: resources and outputs from the state, a pending plan, endpoints' status."""

from __future__ import annotations

from typing import Any

from mlzone.clients import clients
from mlzone.plans import current_plan
from mlzone.workspace import Workspace, stack_state, state_outputs, state_resources


def workspace_status(ws: Workspace) -> list[dict[str, Any]]:
    """Per stack: managed resources in the state, outputs, a pending plan, SageMaker endpoints' status."""
    rows = []
    for stack in ws.stacks():
        state = stack_state(ws, stack)
        resources = state_resources(state)
        pending = current_plan(ws, stack)
        endpoints = [r["values"]["name"] for r in resources if r["type"] == "aws_sagemaker_endpoint"]
        rows.append(
            {
                "stack": stack,
                "resources": len(resources),
                "outputs": state_outputs(state),
                "pending_plan": "" if pending is None else f"+{pending.adds} ~{pending.changes} -{pending.destroys}",
                "endpoints": endpoint_status(ws, endpoints),
            }
        )
    return rows


def endpoint_status(ws: Workspace, names: list[str]) -> dict[str, str]:
    """EndpointStatus of each named SageMaker endpoint (boto3)."""
    if not names:
        return {}
    sagemaker = clients(ws.region, ws.emulator_url or None)("sagemaker")
    return {n: sagemaker.describe_endpoint(EndpointName=n)["EndpointStatus"] for n in names}
