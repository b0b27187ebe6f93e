"""The base of the checks that require an IAM condition key on a creating action; defines no check itself.

A self-service role (modules/self_service_role.py) may create notebooks and clusters only inside the
guardrails IAM can express. Each such guardrail is one condition key on one kind of call, and one check
id (`RequiresCondition` subclasses), so an exception for one cannot hide another.
"""

from __future__ import annotations

from policies.checks._policy import IDENTITY, PolicyCheck, grants, sid, strings


class RequiresCondition(PolicyCheck):
    """Every Allow of `ACTIONS` (named or matched by a pattern) must carry condition `KEY` under an
    operator starting with one of `OPERATORS`, with a value other than a wildcard (`VALUE` exactly, when set).
    `ALSO` lists further (operator, key, value) conditions the guardrail needs."""

    KINDS = (IDENTITY,)
    ACTIONS: tuple[str, ...] = ()
    KEY = ""
    OPERATORS: tuple[str, ...] = ("StringEquals",)
    VALUE: str | None = None
    ALSO: tuple[tuple[str, str, str], ...] = ()

    def judge(self, statement, document):
        granted = grants(statement, self.ACTIONS)
        if not granted:
            return None
        condition = statement.get("Condition") if isinstance(statement.get("Condition"), dict) else {}
        values = [
            v
            for operator, test in condition.items()
            if isinstance(test, dict) and str(operator).startswith(self.OPERATORS)
            for key, value in test.items()
            if str(key).lower() == self.KEY.lower()
            for v in strings(value)
        ]
        ok = bool(values) and all(v != "*" and (self.VALUE is None or v == self.VALUE) for v in values)
        ok = ok and all(
            any(str(k).lower() == key.lower() and strings(v) == [value] for k, v in (condition.get(op) or {}).items())
            for op, key, value in self.ALSO
        )
        if ok:
            return None
        wanted = f"{self.OPERATORS[0]} {self.KEY}" + (f" = {self.VALUE}" if self.VALUE else "")
        wanted += "".join(f" and {op} {key} = {value}" for op, key, value in self.ALSO)
        return f"statement {sid(statement)} allows {', '.join(granted)} without the condition {wanted}"
