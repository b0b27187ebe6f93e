"""Physical names of project resources: `<project>--<resource>`, defined once.

Project and resource names never contain `--` (the spec refuses it) and never start or end with a
hyphen, so the first `--` of a physical name ends the project name: `fraud--*` matches every
resource of project `fraud` and none of `fraud-detection` (`fraud-detection--*`). Every IAM
pattern over project resources is built from `project_pattern`, every name from `project_name`.
"""

from __future__ import annotations

DELIMITER = "--"


def project_name(project: str, *parts: str) -> str:
    """`<project>--<part>-<part>...`: the physical name of one resource of a project."""
    return f"{project}{DELIMITER}{'-'.join(parts)}" if parts else project


def project_pattern(project: str) -> str:
    """An IAM/fnmatch pattern matching every physical name of `project`, and only those."""
    return f"{project}{DELIMITER}*"
