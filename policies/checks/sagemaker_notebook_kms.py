from policies.checks._common import MlzCheck, get, is_set


class SageMakerNotebookVolumeKms(MlzCheck):
    """Ensure SageMaker notebook volumes are encrypted with a KMS key.

    Rationale: the notebook's EBS volume holds copies of project data and credentials; without a
    customer key its encryption cannot be audited or revoked per project.

    Remediation: use modules/notebook.py (kms_key_id is always the project key).
    """

    ID = "CKV_MLZ_45"
    RESOURCES = ("aws_sagemaker_notebook_instance",)

    def problems(self, conf):
        return [] if is_set(get(conf, "kms_key_id")) else ["the volume has no KMS key"]


check = SageMakerNotebookVolumeKms()
