"""Portal actions that need no Terraform change: starting and stopping a project's notebook.

A notebook's power state is not part of its configuration, so these call SageMaker directly (only on
the project's own notebooks, `<project>--*`) and put each request, its verdict and outcome on the
audit record (`requests/<project>/…`)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from mlzone import audit_record
from mlzone.portal.app import Action
from mlzone.portal.inventory import Resource
from mlzone.portal.jobs import Work
from modules.naming import project_pattern

WAIT = {"start": ("start_notebook_instance", "InService"), "stop": ("stop_notebook_instance", "Stopped")}
FROM = {"start": "Stopped", "stop": "InService"}  # the status a notebook must have for the button


def notebook_power(verb: str, client: Callable[[str], Any], audit_bucket: str, operator: str) -> Action:
    """The `start`/`stop` notebook action."""
    call, target_state = WAIT[verb]

    def work(project: str, form: dict[str, str]) -> Work:
        name = form.get("name", "")
        if not name.startswith(project_pattern(project).rstrip("*")):
            raise ValueError(
                f"notebook {name!r} is not one of project {project}'s ({project_pattern(project)}); "
                "fix: pick a notebook listed on the project page"
            )
        request_id = uuid.uuid4().hex[:12]
        record = {"project": project, "who": operator, "what": f"{verb} notebook {name}", "verdict": "allowed"}

        def run(report: Callable[[str], None]) -> None:
            sagemaker = client("sagemaker")
            outcome = "failed"
            try:
                report(f"{verb} {name}")
                getattr(sagemaker, call)(NotebookInstanceName=name)
                report(f"waiting for {target_state}")
                for _ in range(120):
                    state = sagemaker.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
                    if state == target_state:
                        outcome = target_state
                        return
                    time.sleep(1)
                raise TimeoutError(f"{name} did not reach {target_state} in 120 s (it is {state})")
            finally:
                audit_record.put(
                    client("s3"),
                    audit_bucket,
                    f"requests/{project}/{audit_record.stamp()}-{request_id}.json",
                    record | {"outcome": outcome},
                )

        return run

    def offered(r: Resource) -> bool:
        return r.kind == "notebook" and r.status == FROM[verb]

    return Action(f"{verb.capitalize()} notebook", (), work, row=offered)
