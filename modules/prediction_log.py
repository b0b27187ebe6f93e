"""The prediction log: one Glue table over the captures of every endpoint of every project, and an
Athena workgroup to query it.

Every endpoint writes SageMaker data capture files into the same layout
(`s3://<capture-bucket>/<project>/<endpoint-name>/AllTraffic/yyyy/mm/dd/hh/*.jsonl`, see
modules/endpoint.py), so one table with partition projection reads them all: partitions
`project` and `endpoint` are injected (queries must name them, which also keeps scans small) and
`dt` is projected from the date folders. No crawler, no partition maintenance.

Secure defaults: the workgroup's settings are enforced (clients cannot override the result
location or turn encryption off), query results are SSE-KMS with the platform key into their own
bucket, and a per-query scan limit stops runaway queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.athena_workgroup import AthenaWorkgroup
from cdktf_cdktf_provider_aws.glue_catalog_database import GlueCatalogDatabase
from cdktf_cdktf_provider_aws.glue_catalog_table import (
    GlueCatalogTable,
    GlueCatalogTablePartitionKeys,
    GlueCatalogTableStorageDescriptorColumns,
)
from constructs import Construct

from modules.endpoint import VARIANT

PAYLOAD = "struct<observedContentType:string,mode:string,data:string,encoding:string>"
# The SageMaker data capture JSON Lines record.
COLUMNS = (
    ("captureData", f"struct<endpointInput:{PAYLOAD},endpointOutput:{PAYLOAD}>"),
    ("eventMetadata", "struct<eventId:string,inferenceTime:string,inferenceId:string>"),
    ("eventVersion", "string"),
)
PARTITIONS = ("project", "endpoint", "dt")


@dataclass(frozen=True, kw_only=True)
class PredictionLogProps:
    """Query every endpoint's captured requests/responses in one place."""

    name: str
    """Platform name; database <name>_predictions, workgroup <name>-predictions."""
    capture_bucket: str
    """The platform capture bucket (unified layout)."""
    results_bucket: str
    """Bucket for Athena query results (SSE-KMS)."""
    kms_key_arn: str
    """Encrypts query results."""
    first_day: str = "2025/01/01"
    """Earliest dt partition the projection offers (yyyy/MM/dd)."""
    bytes_scanned_cutoff: int = 10 * 1024**3
    """Per-query scan limit (10 GiB)."""

    def __post_init__(self) -> None:
        if self.bytes_scanned_cutoff < 10 * 1024**2:
            raise ValueError(f"bytes_scanned_cutoff={self.bytes_scanned_cutoff}; fix: Athena's minimum is 10 MB")


class PredictionLog(Construct):
    """Outputs: `database_name`, `table_name`, `workgroup_name`."""

    def __init__(self, scope: Construct, id: str, props: PredictionLogProps) -> None:
        super().__init__(scope, id)
        database = GlueCatalogDatabase(
            self,
            "database",
            name=f"{props.name.replace('-', '_')}_predictions",
            description="mlzone prediction log: SageMaker data capture of every endpoint",
        )
        root = f"s3://{props.capture_bucket}"
        self.table = GlueCatalogTable(
            self,
            "captures",
            name="captures",
            database_name=database.name,
            table_type="EXTERNAL_TABLE",
            partition_keys=[GlueCatalogTablePartitionKeys(name=key, type="string") for key in PARTITIONS],
            parameters={
                "classification": "json",
                "projection.enabled": "true",
                "projection.project.type": "injected",
                "projection.endpoint.type": "injected",
                "projection.dt.type": "date",
                "projection.dt.format": "yyyy/MM/dd",
                "projection.dt.range": f"{props.first_day},NOW",
                "projection.dt.interval": "1",
                "projection.dt.interval.unit": "DAYS",
                # "$${" is Terraform's escape for a literal "${" (Athena's projection placeholders).
                "storage.location.template": f"{root}/$${{project}}/$${{endpoint}}/{VARIANT}/$${{dt}}/",
            },
            storage_descriptor={
                "location": f"{root}/",
                "input_format": "org.apache.hadoop.mapred.TextInputFormat",
                "output_format": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "ser_de_info": {"serialization_library": "org.openx.data.jsonserde.JsonSerDe"},
                "columns": [GlueCatalogTableStorageDescriptorColumns(name=n, type=t) for n, t in COLUMNS],
            },
        )
        self.workgroup = AthenaWorkgroup(
            self,
            "workgroup",
            name=f"{props.name}-predictions",
            force_destroy=False,
            description="Query the prediction log; results are KMS-encrypted",
            configuration={
                "enforce_workgroup_configuration": True,
                "publish_cloudwatch_metrics_enabled": True,
                "bytes_scanned_cutoff_per_query": props.bytes_scanned_cutoff,
                "result_configuration": {
                    "output_location": f"s3://{props.results_bucket}/results/",
                    "encryption_configuration": {"encryption_option": "SSE_KMS", "kms_key_arn": props.kms_key_arn},
                },
            },
        )
        self.database_name = database.name
        self.table_name = self.table.name
        self.workgroup_name = self.workgroup.name
