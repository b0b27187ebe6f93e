from policies.checks._common import MlzCheck, failed, get, is_set


class SageMakerNotebookIsolated(MlzCheck):
    """Ensure SageMaker notebooks run in a subnet without direct internet and root, on a KMS volume.

    Rationale: a notebook with direct internet access can exfiltrate data around the VPC controls;
    root access lets users disable those controls on the instance; the EBS volume holds data.

    Remediation: use modules/notebook.py (subnet_id, direct_internet_access Disabled, root_access
    Disabled and kms_key_id are always set).
    """

    ID = "CKV_MLZ_12"
    RESOURCES = ("aws_sagemaker_notebook_instance",)

    def problems(self, conf):
        return failed({
            "the notebook is not in a subnet": is_set(get(conf, "subnet_id")),
            "direct internet access is not Disabled": get(conf, "direct_internet_access", "Enabled") == "Disabled",
            "root access is not Disabled": get(conf, "root_access", "Enabled") == "Disabled",
            "the volume has no KMS key": is_set(get(conf, "kms_key_id")),
        })


check = SageMakerNotebookIsolated()
