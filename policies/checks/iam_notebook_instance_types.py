from policies.checks._conditions import RequiresCondition


class IamNotebookInstanceTypes(RequiresCondition):
    """Ensure notebook create/update is allowed only for listed instance types (sagemaker:InstanceTypes).

    Rationale: without it, whoever holds the role picks any instance type (a GPU fleet) and the guardrail of the
    project spec (self_service.notebooks.instance_types) holds only for requests made through mlzone.

    Remediation: add Condition {"ForAllValues:StringEquals": {"sagemaker:InstanceTypes": [<allowed types>]}}
    (modules/self_service_role.py).
    """

    ID = "CKV_MLZ_52"
    ACTIONS = ("sagemaker:CreateNotebookInstance", "sagemaker:UpdateNotebookInstance")
    KEY = "sagemaker:InstanceTypes"
    OPERATORS = ("ForAllValues:StringEquals", "ForAllValues:StringLike")
    VALUE = None
    ALSO = ()


check = IamNotebookInstanceTypes()
