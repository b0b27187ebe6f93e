"""How a project's resources are named: `<project>-<part>-...` (one definition of the delimiter).

`ProjectScope.resource_name` builds every project resource name with it, and the spec layer uses
it to predict the physical names a project will produce (to refuse collisions across projects).
"""

from __future__ import annotations

DELIMITER = "-"


def project_resource_name(project: str, *parts: str) -> str:
    """The physical name of a project resource, e.g. `fraud-detection-scorer`."""
    return DELIMITER.join((project, *parts))
