from policies.checks._conditions import RequiresCondition


class IamNotebookSubnets(RequiresCondition):
    """Ensure notebook create is allowed only in listed subnets (sagemaker:VpcSubnets).

    Rationale: a notebook outside the platform subnets escapes the VPC endpoints and security groups the
    isolation model rests on; ForAllValues passes when the key is absent, hence the Null test.

    Remediation: add Condition {"ForAllValues:StringEquals": {"sagemaker:VpcSubnets": [<platform subnet ids>]},
    "Null": {"sagemaker:VpcSubnets": "false"}}.
    """

    ID = "CKV_MLZ_56"
    ACTIONS = ("sagemaker:CreateNotebookInstance",)
    KEY = "sagemaker:VpcSubnets"
    OPERATORS = ("ForAllValues:StringEquals",)
    VALUE = None
    ALSO = (("Null", "sagemaker:VpcSubnets", "false"),)


check = IamNotebookSubnets()
