"""Spec text on its way into Terraform JSON and into error messages.

Terraform evaluates `${...}` interpolations and `%{...}` directives inside *every* string of a
configuration, the JSON syntax included: a spec value `${file("/proc/self/environ")}` written as is
into `cdk.tf.json` would be run by `terraform plan`, and its result would land in the plan.
`terraform_literal` escapes both sequences (`$${`, `%%{`), which Terraform reads back as the text
the user wrote. The spec layer applies it to every string of every spec model (stacks/spec.py,
`SpecModel`), so no module has to remember it.
"""

from __future__ import annotations

EXCERPT_CHARS = 60  # the most of one user value an error message repeats


def terraform_literal(text: str) -> str:
    """`text` escaped so that Terraform reads it literally (no interpolation, no directive)."""
    return text.replace("${", "$${").replace("%{", "%%{")


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, bounded `repr` of a user value for an error message (long values are cut)."""
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
