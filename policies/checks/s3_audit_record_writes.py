from fnmatch import fnmatchcase

from modules.audit_writers import RECORD_PREFIXES, TRAIL_PREFIX
from policies.checks._common import UNKNOWN, MlzCheck, actions, allows, as_list, policy_statements, principals

CLOUDTRAIL = "cloudtrail.amazonaws.com"


def grants(statement: dict, action: str) -> bool:
    """An Allow statement whose actions (wildcards included) cover `action`."""
    return allows(statement) and any(fnmatchcase(action.lower(), a.lower()) for a in actions(statement))


def key_of(resource: str) -> str | None:
    """The object key pattern of an S3 object ARN (`arn:aws:s3:::bucket/key`); None for the bucket itself."""
    parts = str(resource).split("/", 1)
    return parts[1] if len(parts) == 2 else None


class S3AuditRecordWrites(MlzCheck):
    """Ensure the audit bucket's write grants cover only the record prefixes, and none deletes.

    Rationale: the audit bucket holds CloudTrail's logs and mlzone's records (deploys, approvals,
    batch runs, requests, erasures). A principal that may write elsewhere in it could plant files
    beside the evidence; one that may delete could hide a record behind a delete marker.

    Remediation: use modules/audit_storage.py, whose policy grants the deploy identity `s3:PutObject`
    on the record prefixes of modules/audit_writers.py only, CloudTrail its `cloudtrail/` prefix, and
    denies deletes to everyone.
    """

    ID = "CKV_MLZ_58"
    RESOURCES = ("aws_s3_bucket_policy",)

    def problems(self, conf):
        found = policy_statements(conf, ["policy"])
        if found is UNKNOWN:
            return UNKNOWN
        trail = [s for s in found if grants(s, "s3:PutObject") and CLOUDTRAIL in principals(s).get("Service", [])]
        if not trail:
            return UNKNOWN  # not the audit bucket (CloudTrail delivers to the audit bucket only)
        problems = []
        for s in found:
            sid = s.get("Sid", "(no Sid)")
            if any(grants(s, a) for a in ("s3:DeleteObject", "s3:DeleteObjectVersion")):
                problems.append(f"statement {sid} allows deleting audit objects")
            if not grants(s, "s3:PutObject"):
                continue
            if "NotResource" in s:
                problems.append(f"statement {sid} grants writes by NotResource")
            allowed = (TRAIL_PREFIX,) if s in trail else RECORD_PREFIXES
            outside = [r for r in as_list(s.get("Resource")) if not str(key_of(r) or "").startswith(allowed)]
            if outside:
                problems.append(f"statement {sid} grants writes outside {', '.join(allowed)}: {outside}")
        return problems


check = S3AuditRecordWrites()
