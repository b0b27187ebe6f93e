"""The prediction log: two Glue tables over the capture bucket and an Athena workgroup to query them.

- `captures`: every endpoint writes SageMaker data capture files into the same layout
  (`s3://<capture-bucket>/<project>/<endpoint-name>/AllTraffic/yyyy/mm/dd/hh/*.jsonl`, see
  modules/endpoint.py); partitions `project` and `endpoint` are injected (queries must name them,
  which also keeps scans small) and `dt` is projected from the date folders.
- `batch`: the scoring job's Parquet in the unified schema (modules/prediction_record.py) under
  `<project>/batch/`; `project` is injected, the job/date/hour folders below are read as one location.

No crawler, no partition maintenance. The unified view over both is built per query
(mlzone/predictions/athena.py), because a capture names no model: that comes from the deploy records.

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

from modules.capture_keys import VARIANT
from modules.prediction_record import FIELDS
from modules.scoring_job import BATCH

PAYLOAD = "struct<observedContentType:string,mode:string,data:string,encoding:string>"
# The SageMaker data capture JSON Lines record.
COLUMNS = (
    ("captureData", f"struct<endpointInput:{PAYLOAD},endpointOutput:{PAYLOAD}>"),
    ("eventMetadata", "struct<eventId:string,inferenceTime:string,inferenceId:string>"),
    ("eventVersion", "string"),
)
PARTITIONS = ("project", "endpoint", "dt")
CAPTURES = "captures"
PARQUET = "org.apache.hadoop.hive.ql.io.parquet"
FORMATS = {  # classification: (input format, output format, SerDe)
    "json": (
        "org.apache.hadoop.mapred.TextInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "org.openx.data.jsonserde.JsonSerDe",
    ),
    "parquet": (
        f"{PARQUET}.MapredParquetInputFormat",
        f"{PARQUET}.MapredParquetOutputFormat",
        f"{PARQUET}.serde.ParquetHiveSerDe",
    ),
}


def database_name(platform: str) -> str:
    """The Glue database of `platform`'s prediction log."""
    return f"{platform.replace('-', '_')}_predictions"


def workgroup_name(platform: str) -> str:
    """The Athena workgroup that queries `platform`'s prediction log."""
    return f"{platform}-predictions"


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
    """Outputs: `database_name`, `table_name` (captures), `batch_table_name`, `workgroup_name`."""

    def __init__(self, scope: Construct, id: str, props: PredictionLogProps) -> None:
        super().__init__(scope, id)
        database = GlueCatalogDatabase(
            self,
            "database",
            name=database_name(props.name),
            description="mlzone prediction log: SageMaker data capture of every endpoint",
        )
        root = f"s3://{props.capture_bucket}"
        self.table = external_table(
            self,
            CAPTURES,
            database.name,
            root,
            "json",
            PARTITIONS,
            COLUMNS,
            {
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
        )
        self.batch = external_table(
            self,
            BATCH,
            database.name,
            root,
            "parquet",
            ("project",),
            tuple((n, t) for n, t, _ in FIELDS),
            {"projection.project.type": "injected", "storage.location.template": f"{root}/$${{project}}/{BATCH}/"},
        )
        self.workgroup = AthenaWorkgroup(
            self,
            "workgroup",
            name=workgroup_name(props.name),
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
        self.batch_table_name = self.batch.name
        self.workgroup_name = self.workgroup.name


def external_table(
    scope: Construct,
    name: str,
    database: str,
    root: str,
    classification: str,
    partitions: tuple[str, ...],
    columns: tuple[tuple[str, str], ...],
    projection: dict[str, str],
) -> GlueCatalogTable:
    """An external table over `root`, its partitions projected (`projection`), so no crawler."""
    input_format, output_format, serde = FORMATS[classification]
    return GlueCatalogTable(
        scope,
        name,
        name=name,
        database_name=database,
        table_type="EXTERNAL_TABLE",
        partition_keys=[GlueCatalogTablePartitionKeys(name=key, type="string") for key in partitions],
        parameters={"classification": classification, "projection.enabled": "true", **projection},
        storage_descriptor={
            "location": f"{root}/",
            "input_format": input_format,
            "output_format": output_format,
            "ser_de_info": {"serialization_library": serde},
            "columns": [GlueCatalogTableStorageDescriptorColumns(name=n, type=t) for n, t in columns],
        },
    )
