"""The one policy-document parser the IAM-content checks share; defines no check itself.

Where policy documents live (`DOCUMENTS`), how to read them on both runners (`documents`), and the
statement predicates the checks are built from. A policy value is one of:
- a document: a JSON string (synth; `${...}` references inside strings are kept as text), a dict (plan)
  or the `statement` blocks of a `data.aws_iam_policy_document`;
- a reference judged elsewhere: on synth `${data.aws_iam_policy_document.<name>.json}` (the data
  source is checked itself), on plan a bare reference such as `aws_kms_key.data.arn` (the value is
  unknown until apply; gate 1 judged the same document on synth);
- anything else cannot be judged: `unreadable` says why, and CKV_MLZ_30 fails it (fail closed).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck

from policies.checks._common import UNKNOWN, MlzCheck, _policy_values, actions, allows, as_list, get, unwrap

IDENTITY, RESOURCE, TRUST, KEY = "identity", "resource", "trust", "key"

# Terraform type -> ((kind, attribute), ...): every policy document mlzone's gate reads.
DOCUMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "aws_iam_policy": ((IDENTITY, "policy"),),  # managed policies, incl. permission boundaries
    "aws_iam_role_policy": ((IDENTITY, "policy"),),
    "aws_iam_user_policy": ((IDENTITY, "policy"),),
    "aws_iam_group_policy": ((IDENTITY, "policy"),),
    "aws_iam_role": ((TRUST, "assume_role_policy"), (IDENTITY, "inline_policy.policy")),
    "aws_s3_bucket_policy": ((RESOURCE, "policy"),),
    "aws_s3_bucket": ((RESOURCE, "policy"),),
    "aws_kms_key": ((KEY, "policy"),),
    "aws_kms_key_policy": ((KEY, "policy"),),
    "aws_ecr_repository_policy": ((RESOURCE, "policy"),),
    "aws_sagemaker_model_package_group_policy": ((RESOURCE, "resource_policy"),),
    "aws_secretsmanager_secret_policy": ((RESOURCE, "policy"),),
    "aws_sqs_queue_policy": ((RESOURCE, "policy"),),
    "aws_sns_topic_policy": ((RESOURCE, "policy"),),
    "aws_cloudwatch_log_resource_policy": ((RESOURCE, "policy_document"),),
}
DATA_DOCUMENT = "aws_iam_policy_document"  # identity or resource: the checks judge it both ways
POLICY_TYPES = tuple(DOCUMENTS)

SYNTH_DATA_REF = re.compile(r"\$\{data\.aws_iam_policy_document\.[\w-]+\.(minified_)?json\}")
PLAN_REF = re.compile(r"(data\.)?[a-z][a-z0-9_]*\.[\w-]+(\[[^\]]*\])?(\.[\w-]+)*")
ACCOUNT = re.compile(r"(?<![\d])(\d{12})(?![\d])")
HOME_ENV = "MLZONE_HOME_ACCOUNTS"  # comma-separated account ids the gate knows for the file (provider)


@dataclass(frozen=True)
class Document:
    kind: str  # identity | resource | trust | key
    where: str  # the attribute, e.g. assume_role_policy
    body: dict = field(default_factory=dict)

    @property
    def statements(self) -> list[dict]:
        return [s for s in as_list(self.body.get("Statement")) if isinstance(s, dict)]


@dataclass
class Parsed:
    documents: list[Document] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # why a value cannot be judged
    deferred: int = 0  # references judged elsewhere (data source, or unknown until apply)


def parse(entity_type: str, conf: dict) -> Parsed:
    """Every policy document of one resource (or `data.aws_iam_policy_document`) conf."""
    parsed = Parsed()
    if entity_type == DATA_DOCUMENT:
        body = data_document(conf)
        kind = RESOURCE if any("Principal" in s or "NotPrincipal" in s for s in body["Statement"]) else IDENTITY
        parsed.documents.append(Document(kind, "statement", body))
        return parsed
    for kind, key in DOCUMENTS.get(entity_type, ()):
        for value in _policy_values(conf, key):
            _read(parsed, kind, key, value)
    return parsed


def _read(parsed: Parsed, kind: str, key: str, value: Any) -> None:
    if isinstance(value, dict):
        parsed.documents.append(Document(kind, key, value))
        return
    if isinstance(value, list) and value and all(isinstance(v, str) and PLAN_REF.fullmatch(v) for v in value):
        parsed.deferred += 1  # plan: several references, unknown until apply
        return
    if not isinstance(value, str):
        parsed.unreadable.append(f"{key} is a {type(value).__name__}, not a policy document")
        return
    text = value.strip()
    if SYNTH_DATA_REF.fullmatch(text) or PLAN_REF.fullmatch(text):
        parsed.deferred += 1
        return
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        shown = text if len(text) <= 80 else text[:77] + "..."
        parsed.unreadable.append(f"{key} is not a JSON policy document ({exc.msg}): {shown!r}")
        return
    if not isinstance(body, dict) or "Statement" not in body:
        parsed.unreadable.append(f"{key} is JSON but has no Statement")
        return
    parsed.documents.append(Document(kind, key, body))


def data_document(conf: dict) -> dict:
    """A `data.aws_iam_policy_document`'s statement blocks as a policy document."""
    statements = []
    for block in as_list(conf.get("statement")):
        block = unwrap(block)
        if not isinstance(block, dict):
            continue
        statement: dict[str, Any] = {"Effect": get(block, "effect", "Allow")}
        for tf_key, iam_key in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            values = [str(v) for v in _flat(block.get(tf_key))]
            if values:
                statement[iam_key] = values
        for tf_key, iam_key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            who: dict[str, list] = {}
            for p in _flat(block.get(tf_key)):
                if isinstance(p, dict):
                    who.setdefault(str(unwrap(p.get("type"))), []).extend(str(i) for i in _flat(p.get("identifiers")))
            if who:
                statement[iam_key] = {"*": ["*"]} if who.get("*") == ["*"] else who
        conditions: dict[str, dict] = {}
        for c in _flat(block.get("condition")):
            if isinstance(c, dict):
                conditions.setdefault(str(unwrap(c.get("test"))), {})[str(unwrap(c.get("variable")))] = [
                    str(v) for v in _flat(c.get("values"))
                ]
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    return {"Statement": statements}


def _flat(value: Any) -> list:
    """checkov's nested one-element lists, flattened; None and empties dropped."""
    out: list = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, list):
            out += _flat(item)
        elif item not in (None, "", {}):
            out.append(item)
    return out


# --------------------------------------------------------------------------- statement predicates


def sid(statement: dict) -> str:
    return str(statement.get("Sid") or "(no Sid)")


def strings(value: Any) -> list[str]:
    return [str(v) for v in _flat(value)]


def grants(statement: dict, wanted: tuple[str, ...]) -> list[str]:
    """The `actions` an Allow statement grants: named, or matched by a pattern (`iam:*`, `iam:Put*`, `*`)."""
    if not allows(statement):
        return []
    patterns = [p.lower() for p in actions(statement)]
    return [a for a in wanted if any(fnmatch.fnmatchcase(a.lower(), p) for p in patterns)]


def names(statement: dict, wanted: tuple[str, ...]) -> list[str]:
    """The `actions` a statement names literally (no pattern)."""
    patterns = {p.lower() for p in actions(statement)}
    return [a for a in wanted if a.lower() in patterns]


WIDE_RESOURCE = re.compile(r"arn:[^:]*:(?P<service>[^:]*):[^:]*:[^:]*:(?P<part>.*)")
WIDE_PART = re.compile(r"\*.*|[\w-]+[/:]\*")  # `*...`, or every resource of a type: `role/*`, `key/*`


def is_wide(resource: str) -> bool:
    """`*`, or every resource of a type (`arn:aws:iam::123456789012:role/*`, `arn:aws:s3:::*/*`).

    S3 ARNs have no type segment: `arn:aws:s3:::bucket/*` is one bucket, not wide."""
    arn = WIDE_RESOURCE.fullmatch(resource)
    if resource == "*" or arn is None:
        return resource == "*"
    part = arn["part"]
    return part.startswith("*") if arn["service"] == "s3" else bool(WIDE_PART.fullmatch(part))


def wide_resources(statement: dict) -> list[str]:
    return [r for r in strings(statement.get("Resource")) if is_wide(r)]


def condition_keys(statement: dict) -> list[str]:
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return []
    return [str(key) for test in condition.values() if isinstance(test, dict) for key in test]


def accounts_in(value: Any) -> set[str]:
    return set(ACCOUNT.findall(json.dumps(value)))


def home_accounts(document: Document) -> set[str]:
    """Accounts the document belongs to: the ones its resources and conditions name, plus the accounts
    the gate knows for the stack (`MLZONE_HOME_ACCOUNTS`, from the provider's allowed_account_ids)."""
    known = {a for a in os.environ.get(HOME_ENV, "").split(",") if a}
    for statement in document.statements:
        for key in ("Resource", "NotResource", "Condition"):
            known |= accounts_in(statement.get(key))
    return known


# --------------------------------------------------------------------------- the check base


class PolicyCheck(MlzCheck):
    """Base of the checks that judge policy content, statement by statement.

    A subclass sets `ID`, `KINDS` (the document kinds it judges) and `judge(statement, document)`,
    returning a problem or None. `RESOURCES` defaults to every type with a policy document; the
    check also runs on `data.aws_iam_policy_document` (through `DataTwin`). Documents that are
    references are judged elsewhere (UNKNOWN here); unreadable ones fail CKV_MLZ_30.
    """

    KINDS: tuple[str, ...] = (IDENTITY,)
    RESOURCES = POLICY_TYPES

    def __init__(self) -> None:
        super().__init__()
        self.twin = DataTwin(self)

    def judge(self, statement: dict, document: Document) -> str | None:
        raise NotImplementedError

    def judge_document(self, document: Document) -> list[str]:
        return [p for p in (self.judge(s, document) for s in document.statements) if p]

    def problems(self, conf):
        parsed = parse(self.entity_type, conf)
        documents = [d for d in parsed.documents if d.kind in self.KINDS]
        if not documents:
            return UNKNOWN
        return [f"{d.where}: {p}" for d in documents for p in self.judge_document(d)]


class DataTwin(BaseDataCheck):
    """The same check on `data.aws_iam_policy_document` (checkov keeps data checks in their own registry)."""

    def __init__(self, check: PolicyCheck) -> None:
        self.check = check
        super().__init__(
            name=check.name,
            id=check.id,
            categories=(CheckCategories.IAM,),
            supported_data=(DATA_DOCUMENT,),
            guideline=check.guideline,
        )

    def scan_data_conf(self, conf):
        self.check.entity_type = DATA_DOCUMENT
        found = self.check.problems(conf)
        if found is UNKNOWN:
            return CheckResult.UNKNOWN
        self.details.extend(found)
        return CheckResult.FAILED if found else CheckResult.PASSED
