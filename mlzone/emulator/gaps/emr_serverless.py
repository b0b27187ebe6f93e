"""moto gaps of EMR Serverless: CreateApplication's engine type, initial state and architecture."""

from __future__ import annotations

from typing import Any, Callable

from mlzone.emulator.registry import fills



@fills("emr-serverless", "CreateApplication", on="moto.emrserverless.models:EMRServerlessBackend", wraps=True)
def emr_serverless_create_application(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto gaps: EMR Serverless `CreateApplication` accepts only `SPARK`/`HIVE` where AWS (and the
    provider's examples) take any case, e.g. `spark`; and it starts the application at once (`STARTED`),
    where AWS leaves it `CREATED` until used, the state the provider waits for."""

    def create_application(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["application_type"] = kwargs["application_type"].upper()
        application = original(self, *args, **kwargs)
        application.state = "CREATED"
        return application

    return create_application


@fills("emr-serverless", "CreateApplication", on="moto.emrserverless.responses:EMRServerlessResponse", wraps=True)
def emr_serverless_create_application_keeping_architecture(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto gap: EMR Serverless `CreateApplication` ignores `architecture` (GetApplication then lacks it)."""

    def create_application(self: Any) -> Any:
        result = original(self)
        application = self.emrserverless_backend.applications[result.result["applicationId"]]
        application.architecture = self._get_param("architecture") or "X86_64"  # the AWS default
        return result

    return create_application
