from policies.checks._policy import IDENTITY, PolicyCheck, actions, allows, sid, wide_resources


class IamManagedPolicyNoServiceWildcards(PolicyCheck):
    """Ensure managed policies (the project permission boundaries) allow no service-wide wildcard on `*`.

    Rationale: a permission boundary caps what every project role can ever do; a boundary granting
    `<service>:*` (or a pattern such as `iam:Put*`) on `*` caps nothing for that service, so a
    role policy mistake is no longer contained. Inline policies are covered by CKV_MLZ_21, `*` by
    CKV_MLZ_20, escalation actions by CKV_MLZ_31 to CKV_MLZ_35 (on boundaries too).

    Remediation: list the actions of each statement (modules/project_role.py builds the boundary
    from the grants it caps).
    """

    ID = "CKV_MLZ_42"
    RESOURCES = ("aws_iam_policy",)
    KINDS = (IDENTITY,)

    def judge(self, statement, document):
        wildcards = [a for a in actions(statement) if "*" in a.partition(":")[2]]
        wide = wide_resources(statement)
        if allows(statement) and wildcards and wide:
            return f"statement {sid(statement)} allows {', '.join(wildcards)} on {', '.join(wide)}"
        return None


check = IamManagedPolicyNoServiceWildcards()
