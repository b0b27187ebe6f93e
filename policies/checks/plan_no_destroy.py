from policies.checks._common import CHANGE_ACTIONS, PlanChangeCheck, as_list, get, is_true

PROTECTED_TYPES = ("aws_kms_key", "aws_cloudtrail", "aws_s3_bucket_object_lock_configuration")


class PlanNoDestroyAuditOrKeys(PlanChangeCheck):
    """Ensure plans do not delete or replace audit data, trails or KMS keys.

    Rationale: deleting a KMS key makes everything encrypted under it unreadable; deleting the trail,
    an Object Lock configuration or an Object-Locked bucket destroys the audit evidence. A renamed
    logical id or a changed force-new argument turns into exactly such a replacement.

    Remediation: keep the logical id and the arguments that force replacement; a real retirement
    needs an exception naming the resource (policies/exceptions.yaml).
    """

    ID = "MLZ_PLAN_1"
    RESOURCES = (*PROTECTED_TYPES, "aws_s3_bucket")

    def changes(self, conf):
        actions = [str(a) for a in as_list(conf.get(CHANGE_ACTIONS))]
        if "delete" not in actions:
            return []
        if self.entity_type == "aws_s3_bucket" and not is_true(get(conf, "object_lock_enabled")):
            return []
        verb = "replaces" if "create" in actions else "deletes"
        return [f"the plan {verb} {get(conf, '__address__', '?')}"]


check = PlanNoDestroyAuditOrKeys()
