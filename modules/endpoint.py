"""A real-time SageMaker endpoint serving one model of a project, with its requests and responses
captured into the platform prediction log.

Secure defaults:
- The model runs with network isolation (the container has no network at all, not even to AWS),
  inside the platform VPC's private subnets with the project's `models` security group (HTTPS to
  the AWS endpoints and S3 only; nothing reaches it), from a pinned, immutable tag of the project's ECR
  repository; its execution role may pull the project's images, write captures under its own
  prefix, write its logs, and manage its VPC interfaces, nothing else.
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

from modules.grants import grant_objects
from modules.naming import SAGEMAKER_NAME_MAX
from modules.project_role import ProjectRole, ProjectRoleProps, ProjectScope
from modules.settings import EndpointSettings, check_limits

VARIANT = "AllTraffic"


@dataclass(frozen=True, kw_only=True)
class EndpointProps(EndpointSettings):
    """One endpoint = one model version behind one autoscaled variant (image tag, instance type,
    capacity and capture share: `EndpointSettings`)."""

    project: ProjectScope
    """The project (key, prefixes, network, boundary)."""
    name: str
    """Endpoint name; the endpoint is <project>--<name>."""
    image_uri: str
    """The project's ECR repository URL of the model (`ModelRegistry.repository_url`)."""
    invocations_per_instance: int = 100
    """Target-tracking target (invocations per instance per minute)."""

    def __post_init__(self) -> None:
        check_limits(f"endpoint {self.name}", self)
        if self.min_instances > self.max_instances:
            raise ValueError(
                f"endpoint {self.name}: min_instances={self.min_instances}, max_instances={self.max_instances}; "
                "fix: use 1 <= min_instances <= max_instances"
            )
        if self.image_tag == "latest":
            raise ValueError(f"endpoint {self.name}: image tag 'latest' is mutable; fix: pin a version such as 1.0.0")


class Endpoint(Construct):
    """Outputs: `name`, `arn`, `model_name`, `role_arn`, `capture_uri`."""

    def __init__(self, scope: Construct, id: str, props: EndpointProps) -> None:
        super().__init__(scope, id)
        p = props.project
        name = p.resource_name(props.name, max_len=SAGEMAKER_NAME_MAX)
        self.capture_uri = p.s3_uri(p.capture_bucket)
        self.role = ProjectRole(self, "role", ProjectRoleProps(
            project=p, name=f"{props.name}-endpoint", service="sagemaker.amazonaws.com", statements=(
                *p.registry_statements(),
                grant_objects("WriteCaptures", p.capture_bucket, f"{p.name}/{name}", "s3:PutObject"),
                p.platform_key_statement(("kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey")),
                p.key_statement(),
                *p.vpc_statements(),
                p.logs_statement(f"/aws/sagemaker/Endpoints/{name}"),
                p.metrics_statement("/aws/sagemaker/*"),
            ),
        ))
        self.model = SagemakerModel(
            self, "model", name=name, execution_role_arn=self.role.arn, enable_network_isolation=True,
            primary_container={"image": f"{props.image_uri}:{props.image_tag}", "mode": "SingleModel"},
            vpc_config={"subnets": p.subnet_ids, "security_group_ids": [p.security_group("models")]},
            depends_on=[self.role.policy],
        )
        capture = props.capture_percent > 0
        self.config = SagemakerEndpointConfiguration(
            self, "config", name=name, kms_key_arn=p.key_arn,
            production_variants=[SagemakerEndpointConfigurationProductionVariants(
                variant_name=VARIANT, model_name=self.model.name, instance_type=props.instance_type,
                initial_instance_count=props.min_instances,
            )],
            data_capture_config={
                "enable_capture": capture, "initial_sampling_percentage": props.capture_percent,
                "destination_s3_uri": self.capture_uri, "kms_key_id": p.platform_key_arn,
                "capture_options": [
                    SagemakerEndpointConfigurationDataCaptureConfigCaptureOptions(capture_mode=mode)
                    for mode in ("Input", "Output")
                ],
                "capture_content_type_header": {"json_content_types": ["application/json"]},
            },
        )
        self.endpoint = SagemakerEndpoint(self, "endpoint", name=name, endpoint_config_name=self.config.name)
        target = AppautoscalingTarget(
            self, "scaling-target", service_namespace="sagemaker",
            resource_id=f"endpoint/{name}/variant/{VARIANT}", scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            min_capacity=props.min_instances, max_capacity=props.max_instances, depends_on=[self.endpoint],
        )
        AppautoscalingPolicy(
            self, "scaling-policy", name=f"{name}-invocations", policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace, resource_id=target.resource_id,
            scalable_dimension=target.scalable_dimension,
            target_tracking_scaling_policy_configuration={
                "target_value": props.invocations_per_instance,
                "predefined_metric_specification": {"predefined_metric_type": "SageMakerVariantInvocationsPerInstance"},
                "scale_in_cooldown": 300, "scale_out_cooldown": 60,
            },
        )
        self.name = self.endpoint.name
        self.arn = self.endpoint.arn
        self.model_name = self.model.name
        self.role_arn = self.role.arn
