import os
import re

from modules.naming import DELIMITER
from policies.checks._common import SHARED_MODELS_ENV, TOKEN, UNKNOWN, MlzCheck, as_list, get, unwrap

VERSION_ARN = re.compile(r"arn:aws[\w-]*:sagemaker:[\w-]+:\d{12}:model-package/([^/]+)/\d+")


class SageMakerModelFromRegistry(MlzCheck):
    """Ensure SageMaker models deploy a registered model package version of their own project.

    Rationale: only a registered version carries the lineage and the approval the audit trail needs
    (who approved which training run). A raw image or artifact URL bypasses the registry, and a
    package of another project bypasses that project's approvers, unless it shared the model.

    Remediation: deploy with modules/endpoint.py or modules/batch_inference.py from an approved
    version (`endpoints[].version`); to use another project's model, that project lists yours in
    `models[].share_with` (the stack then records the shared group in `"//".mlzone.shared_models`).
    """

    ID = "CKV_MLZ_59"
    RESOURCES = ("aws_sagemaker_model",)

    def problems(self, conf):
        name = str(get(conf, "name") or "")
        project = name.split(DELIMITER, 1)[0] if DELIMITER in name else None
        shared = {g for g in os.environ.get(SHARED_MODELS_ENV, "").split(",") if g}
        containers = [unwrap(c) for key in ("primary_container", "container") for c in as_list(conf.get(key))]
        if not containers:
            return ["the model has no container"]
        problems, unknown = [], False
        for c in containers:
            raw = [k for k in ("image", "model_data_url", "model_data_source") if get(c, k)]
            if raw:
                problems.append(f"the container sets {', '.join(raw)} instead of a registered model package")
            package = str(get(c, "model_package_name") or "")
            found = VERSION_ARN.fullmatch(package)
            if not package:
                problems.append("the container names no model package version")
            elif TOKEN.search(package):
                unknown = True  # a reference (e.g. the group's name): the plan gate sees the ARN
            elif not found:
                problems.append(f"{package!r} is not a model package version ARN")
            elif project is None:
                problems.append(f"model name {name!r} names no project (<project>{DELIMITER}...)")
            elif not found.group(1).startswith(project + DELIMITER) and found.group(1) not in shared:
                problems.append(f"package group {found.group(1)} is not project {project}'s nor shared with it")
        return UNKNOWN if unknown and not problems else problems


check = SageMakerModelFromRegistry()
