"""moto gap of SageMaker Runtime: `InvokeEndpoint` answers canned data; run the endpoint's model instead
(mlzone.serving: the model version behind the endpoint, its MLflow pyfunc, SageMaker's data capture)."""

from __future__ import annotations

import json
from typing import Any

from mlzone.emulator.registry import fills
from mlzone.serving import codec, endpoint, errors


@fills("sagemaker-runtime", "InvokeEndpoint", on="moto.sagemakerruntime.responses:SageMakerRuntimeResponse")
def invoke_endpoint(self: Any) -> Any:
    """moto gap: sagemaker-runtime `InvokeEndpoint` answers canned data; run the endpoint's model instead."""
    from moto.s3.models import s3_backends
    from moto.sagemaker.models import sagemaker_backends
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.utilities.utils import get_partition

    name = self.path.split("/")[2]
    s3 = s3_backends[self.current_account][get_partition(self.region)]
    try:
        served, out, out_type = endpoint.answer(
            sagemaker_backends[self.current_account][self.region],
            s3,
            secretsmanager_backends[self.current_account][self.region],
            name,
            self.body if isinstance(self.body, bytes) else (self.body or "").encode(),
            self.headers.get("Content-Type"),
            self.headers.get("X-Amzn-SageMaker-Inference-Id"),
        )
    except errors.InvokeError as e:
        reply: dict[str, Any] = {"message": e.message}
        if isinstance(e, errors.ModelError):
            reply |= {"OriginalStatusCode": e.original_status or 500, "OriginalMessage": e.message}
        # moto takes the reply's status from its headers
        headers = {"Content-Type": codec.JSON, "x-amzn-ErrorType": e.code, "status": str(e.status)}
        return e.status, headers, json.dumps(reply)
    return 200, {"Content-Type": out_type, "x-Amzn-Invoked-Production-Variant": served.variant}, out
