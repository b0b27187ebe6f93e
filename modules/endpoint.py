"""A real-time SageMaker endpoint serving one model of a project, with its requests and responses
captured into the platform prediction log.

Secure defaults:
- The model runs with network isolation (the container has no network at all, not even to AWS),
  inside the platform VPC's private subnets with the project's `models` security group (HTTPS to
  the AWS endpoints and S3 only; nothing reaches it), from a *registered version* of the model's
  package group (`primary_container.model_package_name`, the version's ARN: its image and artifact
  are the registry's, never a URL from the spec; mlzone resolves it as `Approved` before any plan,
  mlzone/resolve.py); its execution role may pull the project's images, read the project's model
  artifacts, write captures under its own prefix, write its logs, and manage its VPC interfaces,
  nothing else.
- No version yet (`version` unset): no model, configuration, endpoint or scaling is declared, only
  the role, so the platform stands up before the first model is registered.
- The model's and the configuration's names end in a hash of their content (`content_name`) and are
  replaced create-before-destroy: a new version (or instance type, capacity, capture share) makes a
  new model and configuration, the endpoint switches to it without downtime, then the old ones go.
- The endpoint configuration encrypts the instance volumes with the project key and captures
  request *and* response at the spec's sampling percentage, encrypted with the platform data key,
  into the unified layout every endpoint of every project shares:
  `s3://<capture-bucket>/<project>/<endpoint-name>/AllTraffic/yyyy/mm/dd/hh/*.jsonl`
  (SageMaker appends `<endpoint-name>/<variant>/yyyy/mm/dd/hh` to the destination
  `s3://<capture-bucket>/<project>/`), which the platform's prediction-log table reads.
- Target-tracking autoscaling between the spec's min and max instances.

Emulator note: moto drops `EnableNetworkIsolation` on CreateModel; `mlzone/emulator.py` keeps it
(`sagemaker_create_model_keeping_isolation`), so no target ignores changes to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.appautoscaling_policy import AppautoscalingPolicy
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.sagemaker_endpoint import SagemakerEndpoint
from cdktf_cdktf_provider_aws.sagemaker_endpoint_configuration import (
    SagemakerEndpointConfiguration,
    SagemakerEndpointConfigurationDataCaptureConfigCaptureOptions,
    SagemakerEndpointConfigurationProductionVariants,
)
from cdktf_cdktf_provider_aws.sagemaker_model import SagemakerModel
from constructs import Construct

from modules import subject_keys
from modules.capture_keys import VARIANT
from modules.grants import grant_objects
from modules.model_registry import model_package_arn
from modules.naming import SAGEMAKER_NAME_MAX, content_name
from modules.project_role import ProjectRole, ProjectRoleProps, ProjectScope
from modules.settings import EndpointSettings, check_limits

REPLACE_FIRST = {"create_before_destroy": True}


@dataclass(frozen=True, kw_only=True)
class EndpointProps(EndpointSettings):
    """One endpoint = one model version behind one autoscaled variant (version, instance type,
    capacity and capture share: `EndpointSettings`)."""

    project: ProjectScope
    """The project (key, prefixes, network, boundary)."""
    name: str
    """Endpoint name; the endpoint is <project>--<name>."""
    package_group: str
    """The model's package group, `<project>--<model>` (`ModelRegistry.name`)."""
    invocations_per_instance: int = 100
    """Target-tracking target (invocations per instance per minute)."""
    subject_field: str | None = None
    """The model's `subject_field`: tagged on the endpoint (with the subject-key secret's name) so whoever
    writes its captures can index them by the subject's keyed hash (modules/subject_keys.py)."""

    def __post_init__(self) -> None:
        check_limits(f"endpoint {self.name}", self)
        if self.min_instances > self.max_instances:
            raise ValueError(
                f"endpoint {self.name}: min_instances={self.min_instances}, max_instances={self.max_instances}; "
                "fix: use 1 <= min_instances <= max_instances"
            )
        if self.subject_field and not self.project.subject_key_secret:
            raise ValueError(f"endpoint {self.name}: subject_field needs the project's subject_key_secret")
        if self.version is not None and self.version < 1:
            raise ValueError(f"endpoint {self.name}: version={self.version}; fix: use a registered version (1, 2, ...)")


class Endpoint(Construct):
    """Outputs: `role_arn`, `capture_uri`; with a version also `name`, `arn`, `model_name`, `model_package_arn`."""

    def __init__(self, scope: Construct, id: str, props: EndpointProps) -> None:
        super().__init__(scope, id)
        p = props.project
        name = p.resource_name(props.name, max_len=SAGEMAKER_NAME_MAX)
        self.capture_uri = p.s3_uri(p.capture_bucket)
        self.role = ProjectRole(
            self,
            "role",
            ProjectRoleProps(
                project=p,
                name=f"{props.name}-endpoint",
                service="sagemaker.amazonaws.com",
                statements=(
                    *p.registry_statements(),
                    grant_objects("WriteCaptures", p.capture_bucket, f"{p.name}/{name}", "s3:PutObject"),
                    p.platform_key_statement(("kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey")),
                    grant_objects("ReadModels", p.data_bucket, f"{p.name}/models", "s3:GetObject"),
                    p.key_statement(),
                    *p.vpc_statements(),
                    p.logs_statement(f"/aws/sagemaker/Endpoints/{name}"),
                    p.metrics_statement("/aws/sagemaker/*"),
                ),
            ),
        )
        self.role_arn = self.role.arn
        if props.version is None:
            return
        self.model_package_arn = model_package_arn(p, props.package_group, props.version)
        served = {"project": p.name, "endpoint": props.name, "version": props.version}
        model_name = content_name(name, served)
        self.model = SagemakerModel(
            self,
            "model",
            name=model_name,
            execution_role_arn=self.role.arn,
            enable_network_isolation=True,
            primary_container={"model_package_name": self.model_package_arn},
            vpc_config={"subnets": p.subnet_ids, "security_group_ids": [p.security_group("models")]},
            depends_on=[self.role.policy],
            lifecycle=REPLACE_FIRST,
        )
        capture = props.capture_percent > 0
        variant = {
            "model": model_name,
            "instance_type": props.instance_type,
            "count": props.min_instances,
            "capture_percent": props.capture_percent,
        }
        self.config = SagemakerEndpointConfiguration(
            self,
            "config",
            name=content_name(name, variant),
            kms_key_arn=p.key_arn,
            lifecycle=REPLACE_FIRST,
            production_variants=[
                SagemakerEndpointConfigurationProductionVariants(
                    variant_name=VARIANT,
                    model_name=self.model.name,
                    instance_type=props.instance_type,
                    initial_instance_count=props.min_instances,
                )
            ],
            data_capture_config={
                "enable_capture": capture,
                "initial_sampling_percentage": props.capture_percent,
                "destination_s3_uri": self.capture_uri,
                "kms_key_id": p.platform_key_arn,
                "capture_options": [
                    SagemakerEndpointConfigurationDataCaptureConfigCaptureOptions(capture_mode=mode)
                    for mode in ("Input", "Output")
                ],
                "capture_content_type_header": {"json_content_types": ["application/json"]},
            },
        )
        self.endpoint = SagemakerEndpoint(
            self,
            "endpoint",
            name=name,
            endpoint_config_name=self.config.name,
            tags=subject_keys.endpoint_tags(props.subject_field, p.subject_key_secret) or None,
        )
        target = AppautoscalingTarget(
            self,
            "scaling-target",
            service_namespace="sagemaker",
            resource_id=f"endpoint/{name}/variant/{VARIANT}",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            min_capacity=props.min_instances,
            max_capacity=props.max_instances,
            depends_on=[self.endpoint],
        )
        AppautoscalingPolicy(
            self,
            "scaling-policy",
            name=f"{name}-invocations",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            resource_id=target.resource_id,
            scalable_dimension=target.scalable_dimension,
            target_tracking_scaling_policy_configuration={
                "target_value": props.invocations_per_instance,
                "predefined_metric_specification": {"predefined_metric_type": "SageMakerVariantInvocationsPerInstance"},
                "scale_in_cooldown": 300,
                "scale_out_cooldown": 60,
            },
        )
        self.name = self.endpoint.name
        self.arn = self.endpoint.arn
        self.model_name = self.model.name
