from policies.checks._common import principals
from policies.checks._policy import KEY, PolicyCheck, condition_keys, names, sid

# KMS operations whose requests carry no encryption context: a kms:EncryptionContext* condition never
# matches them, so a grant of these under such a condition never applies.
NO_CONTEXT = (
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:GetPublicKey",
    "kms:ListGrants",
    "kms:ListResourceTags",
)


class KmsNoContextConditionOnDescribeKey(PolicyCheck):
    """Ensure key policies do not grant kms:DescribeKey (or other context-free calls) under an encryption-context
    condition.

    Rationale: DescribeKey requests never carry an encryption context, so a statement that names
    kms:DescribeKey under `kms:EncryptionContext:*` never grants it. CloudTrail calls DescribeKey
    when it validates the trail's key; AWS documents a separate statement for it, and a broken key
    policy stops log delivery. (Only actions named literally are judged: a pattern such as
    `kms:Describe*` under the condition, as in AWS's CloudWatch Logs example, grants the
    cryptographic calls it also matches.)

    Remediation: grant kms:DescribeKey in its own statement without the encryption-context
    condition (with aws:SourceArn/aws:SourceAccount instead), as modules/keys.py does for CloudTrail.
    """

    ID = "CKV_MLZ_39"
    KINDS = (KEY,)

    def judge(self, statement, document):
        context = [k for k in condition_keys(statement) if k.lower().startswith("kms:encryptioncontext")]
        named = names(statement, NO_CONTEXT)
        if named and context:
            who = ", ".join(w for whos in principals(statement).values() for w in whos)
            return f"statement {sid(statement)} grants {', '.join(named)} to {who} only under {', '.join(context)}"
        return None


check = KmsNoContextConditionOnDescribeKey()
