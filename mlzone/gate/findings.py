"""What the gate found: one failed check (Finding), the gate on one file, the gate on all files."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlzone.gate.waivers import CONSTRUCT, Waiver


class GateError(RuntimeError):
    """The gate blocked: the message summarises; `result` holds every finding."""

    def __init__(self, result: GateResult) -> None:
        super().__init__(result.summary())
        self.result = result


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource."""

    check_id: str
    name: str
    stack: str
    file: str
    address: str  # <type>.<logicalId> (or resource.<logicalId> for checkov Python checks on terraform_json)
    path: str  # construct path, e.g. fraud-detection/endpoint-scorer/config
    kind: str = "synth"  # synth | plan: the file the finding comes from
    details: tuple[str, ...] = ()
    guideline: str = ""
    waiver: Waiver | None = None

    @property
    def message(self) -> str:
        return "; ".join(self.details) or self.name


@dataclass
class FileResult:
    """The gate on one file."""

    file: str
    kind: str  # synth | plan | unknown
    stack: str
    passed: int = 0
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)  # recorded on the stack's constructs

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.waiver is None]


@dataclass
class GateResult:
    files: list[FileResult]
    errors: list[str]  # gate-level problems (invalid exceptions)
    warnings: list[str]  # unused exceptions
    report_only: bool = False

    @property
    def failed(self) -> list[Finding]:
        return [f for r in self.files for f in r.failed]

    @property
    def excepted(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings if f.waiver is not None]

    @property
    def all_errors(self) -> list[str]:
        return self.errors + [f"{r.file}: {e}" for r in self.files for e in r.errors]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.all_errors

    def exceptions_used(self, stack: str | None = None) -> list[str]:
        """The exceptions and construct waivers that excepted a finding (of `stack`, default all), as
        `<check id>:<resource>`: what a deploy record names as used."""
        return sorted(
            {f"{f.check_id}:{f.waiver.resource}" for f in self.excepted if f.waiver and stack in (None, f.stack)}
        )

    def summary(self) -> str:
        checks = sum(r.passed + len(r.findings) for r in self.files)
        verdict = "passed" if self.ok else "BLOCKED"
        waived = sorted(
            {f"{f.check_id} on {w.resource}" for f in self.excepted if (w := f.waiver) and w.origin == CONSTRUCT}
        )
        by_constructs = f" (waived by construct allow_* reasons: {', '.join(waived)})" if waived else ""
        return (
            f"policy gate {verdict}: {len(self.files)} file(s), {checks} check results, "
            f"{len(self.failed)} failed, {len(self.excepted)} excepted{by_constructs}, {len(self.all_errors)} error(s)"
        )
