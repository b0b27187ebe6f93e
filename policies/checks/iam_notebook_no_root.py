from policies.checks._conditions import RequiresCondition


class IamNotebookNoRoot(RequiresCondition):
    """Ensure notebook create/update is allowed only with root access Disabled.

    Rationale: root on a notebook lets its user change the instance (its credentials, its network and its idle-
    stop script); CKV_MLZ_44 checks declared notebooks, this holds for direct calls.

    Remediation: add Condition {"StringEquals": {"sagemaker:RootAccess": "Disabled"}}.
    """

    ID = "CKV_MLZ_54"
    ACTIONS = ("sagemaker:CreateNotebookInstance", "sagemaker:UpdateNotebookInstance")
    KEY = "sagemaker:RootAccess"
    OPERATORS = ("StringEquals",)
    VALUE = "Disabled"
    ALSO = ()


check = IamNotebookNoRoot()
