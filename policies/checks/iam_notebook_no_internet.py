from policies.checks._conditions import RequiresCondition


class IamNotebookNoInternet(RequiresCondition):
    """Ensure notebook create is allowed only with direct internet access Disabled.

    Rationale: a notebook with direct internet access bypasses the private VPC (no egress control, data
    exfiltration); CKV_MLZ_43 checks the notebooks mlzone declares, this holds for calls made outside it.

    Remediation: add Condition {"StringEquals": {"sagemaker:DirectInternetAccess": "Disabled"}}.
    """

    ID = "CKV_MLZ_53"
    ACTIONS = ("sagemaker:CreateNotebookInstance",)
    KEY = "sagemaker:DirectInternetAccess"
    OPERATORS = ("StringEquals",)
    VALUE = "Disabled"
    ALSO = ()


check = IamNotebookNoInternet()
