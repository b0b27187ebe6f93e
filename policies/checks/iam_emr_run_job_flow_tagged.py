from policies.checks._conditions import RequiresCondition


class IamEmrRunJobFlowTagged(RequiresCondition):
    """Ensure EMR RunJobFlow is allowed only with the request tag project.

    Rationale: RunJobFlow has no resource ARN to scope; the project tag on the request is what ties a new
    cluster to the project, so the role's later calls (scoped by elasticmapreduce:ResourceTag/project) and the
    budget's cost filter cover it.

    Remediation: add Condition {"StringEquals": {"aws:RequestTag/project": <project>}}.
    """

    ID = "CKV_MLZ_57"
    ACTIONS = ("elasticmapreduce:RunJobFlow",)
    KEY = "aws:RequestTag/project"
    OPERATORS = ("StringEquals",)
    VALUE = None
    ALSO = ()


check = IamEmrRunJobFlowTagged()
