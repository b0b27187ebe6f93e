"""Build the cdktf App: one PlatformStack, one ProjectStack per project spec, and a SelfServiceStack per project
with self-service guardrails."""

from __future__ import annotations

from collections.abc import Collection

from cdktf import App

from stacks.platform_stack import PlatformStack
from stacks.project_stack import ProjectStack, shared_with
from stacks.self_service_spec import load_requests
from stacks.self_service_stack import SelfServiceStack
from stacks.spec import Zone
from stacks.target import Target


def build_stacks(app: App, zone: Zone, target: Target, skip: Collection[str] = ()) -> App:
    """Add every stack of `zone` to `app` (an `App()` or a `Testing.app()`), but those of the projects in `skip`."""
    PlatformStack(app, zone.platform, target)
    for project in zone.projects:
        if project.name in skip:
            continue
        ProjectStack(app, zone.platform, project, target, shared_models=shared_with(zone, project.name))
        if project.self_service:
            SelfServiceStack(app, zone.platform, project, load_requests(zone.root, project.name), target)
    return app


def build_app(zone: Zone, target: Target | None = None, outdir: str | None = None, skip: Collection[str] = ()) -> App:
    """Build the App for a validated zone (see `stacks.spec.load_zone`), without the projects in `skip`."""
    app = App(outdir=outdir, stack_traces=False) if outdir else App(stack_traces=False)
    return build_stacks(app, zone, target or Target.from_env(), skip)
