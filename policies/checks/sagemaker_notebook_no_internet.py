from policies.checks._common import MlzCheck, get


class SageMakerNotebookNoDirectInternet(MlzCheck):
    """Ensure SageMaker notebooks have no direct internet access.

    Rationale: a notebook with direct internet access can exfiltrate data around the VPC controls
    (the default is Enabled).

    Remediation: use modules/notebook.py (direct_internet_access is always Disabled); reach AWS
    services through the zone's VPC endpoints.
    """

    ID = "CKV_MLZ_43"
    RESOURCES = ("aws_sagemaker_notebook_instance",)

    def problems(self, conf):
        ok = get(conf, "direct_internet_access", "Enabled") == "Disabled"
        return [] if ok else ["direct internet access is not Disabled"]


check = SageMakerNotebookNoDirectInternet()
