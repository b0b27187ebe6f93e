from policies.checks._common import MlzCheck, get


class SageMakerNotebookNoRoot(MlzCheck):
    """Ensure SageMaker notebooks give their users no root access.

    Rationale: root on the instance lets a user disable the instance's controls (lifecycle
    configuration, proxies, agents) and read other users' files (the default is Enabled).

    Remediation: use modules/notebook.py (root_access is always Disabled).
    """

    ID = "CKV_MLZ_44"
    RESOURCES = ("aws_sagemaker_notebook_instance",)

    def problems(self, conf):
        return [] if get(conf, "root_access", "Enabled") == "Disabled" else ["root access is not Disabled"]


check = SageMakerNotebookNoRoot()
