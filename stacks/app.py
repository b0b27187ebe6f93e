"""Build the cdktf App: one PlatformStack and one ProjectStack per project spec."""

from __future__ import annotations

from pathlib import Path

from cdktf import App

from stacks.platform_stack import PlatformStack
from stacks.project_stack import ProjectStack
from stacks.spec import Zone, load_zone
from stacks.target import Target


def build_stacks(app: App, zone: Zone, target: Target) -> App:
    """Add every stack of `zone` to `app` (an `App()` or a `Testing.app()`)."""
    PlatformStack(app, zone.platform, target)
    for project in zone.projects:
        ProjectStack(app, zone.platform, project, target)
    return app


def build_app(root: Path, target: Target | None = None, outdir: str | None = None) -> App:
    """Validate the specs under `root`, then build the App. Raises SpecError before any construct exists."""
    zone = load_zone(root)
    app = App(outdir=outdir, stack_traces=False) if outdir else App(stack_traces=False)
    return build_stacks(app, zone, target or Target.from_env())
