"""One InvokeEndpoint on the local target: resolve the endpoint's model version, load it (once), predict,
capture. The emulator's sagemaker-runtime gap handler (mlzone/emulator/gaps/sagemaker_runtime.py) calls it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mlzone.serving import capture, codec, subject_index
from mlzone.serving.errors import ModelError
from mlzone.serving.model_cache import ModelCache
from mlzone.serving.resolve import Target, split_s3, target

CACHE = ModelCache()


def answer(
    sagemaker: Any,
    s3: Any,
    secrets: Any,
    endpoint_name: str,
    body: bytes,
    content_type: str | None,
    inference_id: str | None,
) -> tuple[Target, bytes, str]:
    """(target, answer body, its content type) for one request; InvokeError when SageMaker would refuse.
    The backends are moto's (SageMaker, S3, Secrets Manager: the subject-key secret)."""
    served = target(sagemaker, endpoint_name)

    def fetch() -> bytes:
        bucket, key = split_s3(served.artifact)
        try:
            return s3.get_object(bucket, key).value
        except Exception:  # noqa: BLE001 - moto's missing bucket/key errors
            raise ModelError(f"model artifact {served.artifact} not found in S3", 500) from None

    model = CACHE.get(served.version, served.artifact, fetch)
    data = codec.decode(body, content_type)
    try:
        prediction = model.predict(data)
    except Exception as e:  # noqa: BLE001 - whatever the model raises is the model's error
        raise ModelError(f"the model failed on this input: {e}", 400) from None
    out, out_type = codec.encode(prediction)
    exchange = capture.Exchange(
        endpoint=endpoint_name,
        variant=served.variant,
        request=body,
        request_type=content_type or codec.JSON,
        response=out,
        response_type=out_type,
        inference_id=inference_id,
        time=datetime.now(UTC),
    )
    written = capture.write(served.capture, exchange, _putter(s3))
    if written and served.subject_field and served.subject_key_secret:
        key = subject_index.hmac_key(secrets, served.subject_key_secret)
        subject_index.index_capture(s3, *written, key, body, served.subject_field)
    return served, out, out_type


def _putter(s3: Any) -> capture.Put:
    def put(bucket: str, key: str, data: bytes, kms_key: str | None) -> None:
        s3.put_object(bucket, key, data, encryption="aws:kms" if kms_key else None, kms_key_id=kms_key)

    return put
