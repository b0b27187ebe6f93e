"""One stack per team project, built from `projects/<name>.yaml`."""

from __future__ import annotations

from cdktf import TerraformStack
from constructs import Construct

from modules.tagging import RequiredTags, tag_everything
from stacks.spec import PlatformSpec, ProjectSpec
from stacks.target import Target


class ProjectStack(TerraformStack):
    """A team's workspace. Every resource carries the project's tags."""

    def __init__(self, scope: Construct, platform: PlatformSpec, project: ProjectSpec, target: Target) -> None:
        super().__init__(scope, project.name)
        target.configure(self, platform, project.name)
        tag_everything(self, RequiredTags(
            team=project.team, project=project.name, cost_center=project.cost_center,
            data_classification=project.data_classification,
        ))
