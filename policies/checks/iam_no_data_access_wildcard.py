from policies.checks._policy import IDENTITY, PolicyCheck, grants, sid, wide_resources

# Actions that read, write or decrypt data (not metadata): on `*` they reach every project's data.
ACTIONS = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "sagemaker:InvokeEndpoint",
    "logs:GetLogEvents",
    "glue:GetTable",
    "athena:GetQueryResults",
)


class IamNoDataAccessOnWildcard(PolicyCheck):
    """Ensure no identity policy allows data actions (object reads/writes, decryption, secrets) on `*`.

    Rationale: mlzone separates projects by resource: each role reaches its own prefix, key and
    repositories. `s3:GetObject`, `kms:Decrypt` or `secretsmanager:GetSecretValue` on `*` (or on
    every bucket/key/secret) reaches every project's data and the audit trail. Patterns (`s3:Get*`,
    `kms:*`) count. Key policies are judged by principal instead (there `Resource: "*"` means the
    key itself: CKV_MLZ_11, CKV_MLZ_38).

    Remediation: grant the project's prefix, key and secrets by ARN (modules/project_role.py grants).
    """

    ID = "CKV_MLZ_35"
    KINDS = (IDENTITY,)

    def judge(self, statement, document):
        wide = wide_resources(statement)
        found = grants(statement, ACTIONS) if wide else []
        return f"statement {sid(statement)} allows {', '.join(found)} on {', '.join(wide)}" if found else None


check = IamNoDataAccessOnWildcard()
