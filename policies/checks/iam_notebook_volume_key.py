from policies.checks._conditions import RequiresCondition


class IamNotebookVolumeKey(RequiresCondition):
    """Ensure notebook create is allowed only with a named volume key (sagemaker:VolumeKmsKey).

    Rationale: without it a notebook may be created with an AWS-owned key or another project's key, so its data
    is not under the project key (CKV_MLZ_45 checks declared notebooks only).

    Remediation: add Condition {"StringEquals": {"sagemaker:VolumeKmsKey": <the project key ARN>}}.
    """

    ID = "CKV_MLZ_55"
    ACTIONS = ("sagemaker:CreateNotebookInstance",)
    KEY = "sagemaker:VolumeKmsKey"
    OPERATORS = ("StringEquals", "ArnEquals")
    VALUE = None
    ALSO = ()


check = IamNotebookVolumeKey()
