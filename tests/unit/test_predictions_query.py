"""`mlzone predictions query`: endpoint captures and batch predictions in one schema, locally and on Athena."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import duckdb
import pytest
from moto import mock_aws
from moto.athena.models import QueryResults, athena_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_api import state_manager
from typer.testing import CliRunner

from mlzone import audit_record, deployments
from mlzone.cli import app
from mlzone.predictions import athena, query
from mlzone.predictions.sql import QueryError
from modules.scoring_job import batch_prefix
from tests.conftest import ROOT
from tests.unit.test_trace import ENDPOINT, capture

REGION = "eu-west-1"
BUCKET, AUDIT = "acme-ml-predictions-eu-west-1", "acme-ml-audit-eu-west-1"
ARN = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud--detector/3"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def s3(tmp_path: Path):
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        for b in (BUCKET, AUDIT):
            client.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": REGION})
        old = NOW - timedelta(days=30)
        client.put_object(
            Bucket=BUCKET,
            Key=f"fraud/{ENDPOINT}/AllTraffic/{NOW:%Y/%m/%d/%H}/a.jsonl",
            Body="\n".join([capture("e1", NOW), capture("e2", NOW)]),
        )
        client.put_object(
            Bucket=BUCKET, Key=f"fraud/{ENDPOINT}/AllTraffic/{old:%Y/%m/%d/%H}/a.jsonl", Body=capture("e-old", old)
        )
        audit_record.put(
            client,
            AUDIT,
            f"deployments/fraud/{audit_record.stamp(old)}-abc.json",
            {"status": "succeeded", "endpoints": {ENDPOINT: ARN}},
        )
        parquet = tmp_path / "part-0.parquet"
        duckdb.sql(f"""COPY (SELECT 'b1' AS prediction_id, 'fraud' AS project, 'batch' AS source,
                       'nightly' AS source_name, 'detector' AS model, '3' AS model_version,
                       '{ARN}' AS model_package_arn, TIMESTAMPTZ '{NOW.isoformat()}' AS time,
                       '{json.dumps({"amount": 5})}' AS input, '0.1' AS output, NULL AS subject_key,
                       'run-1' AS run_or_deploy_id) TO '{parquet}' (FORMAT parquet)""")
        client.upload_file(str(parquet), BUCKET, batch_prefix("fraud", "nightly") + "date=x/hour=y/part-0.parquet")
        yield client


def test_both_sources_answer_one_query_in_one_schema(s3) -> None:
    since = NOW - timedelta(days=7)
    columns, rows = query.local(
        s3,
        BUCKET,
        AUDIT,
        "fraud",
        since,
        "SELECT source, source_name, model, model_version, model_package_arn, "
        "prediction_id FROM predictions ORDER BY prediction_id",
    )
    assert columns == ["source", "source_name", "model", "model_version", "model_package_arn", "prediction_id"]
    assert rows == [
        ("batch", "nightly", "detector", 3, ARN, "b1"),
        ("endpoint", ENDPOINT, "detector", 3, ARN, "e1"),
        ("endpoint", ENDPOINT, "detector", 3, ARN, "e2"),
    ], "the old capture is outside --since"


def test_a_capture_is_joined_to_the_deploy_in_force_at_its_time(s3) -> None:
    _, rows = query.local(
        s3,
        BUCKET,
        AUDIT,
        "fraud",
        NOW - timedelta(days=60),
        "SELECT prediction_id, model FROM predictions WHERE source = 'endpoint' ORDER BY time",
    )
    assert rows[0] == ("e-old", "detector"), "the deploy record of that same second is in force"


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM predictions",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT 1; DROP TABLE predictions",
        "SELECT * FROM duckdb_settings()",
    ],
)
def test_writes_and_reads_outside_the_log_are_refused(s3, statement: str) -> None:
    with pytest.raises(QueryError, match="fix:"):
        query.local(s3, BUCKET, AUDIT, "fraud", NOW, statement)


def athena_tables(s3, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """The fixture's objects as the Glue tables `captures` and `batch` (modules/prediction_log.py) in DuckDB,
    with Athena's `from_iso8601_timestamp`: the Athena statement then runs on the same data as the local path."""
    db = duckdb.connect()
    db.execute("SET TimeZone = 'UTC'")
    db.execute("CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)")
    captures, batch = [], []
    for i, key in enumerate(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]):
        path = tmp_path / f"{i}{Path(key).suffix}"
        s3.download_file(BUCKET, key, str(path))
        project, endpoint, *_ = key.split("/")
        if key.startswith(batch_prefix(project)):
            batch.append(f"SELECT *, '{project}' AS project FROM read_parquet('{path}')")
        else:
            dt = "/".join(key.split("/")[3:6])
            captures.append(f"SELECT *, '{project}' AS project, '{endpoint}' AS endpoint, '{dt}' AS dt FROM '{path}'")
    db.execute(f"CREATE TABLE captures AS {' UNION ALL BY NAME '.join(captures)}")
    db.execute(f"CREATE TABLE batch AS {' UNION ALL BY NAME '.join(batch)}")
    return db


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT prediction_id, project, source, source_name, model, CAST(model_version AS INTEGER), "
        "model_package_arn, epoch(time), input, output, subject_key, run_or_deploy_id FROM predictions",
        "WITH recent AS (SELECT * FROM predictions WHERE source = 'endpoint') SELECT prediction_id, model FROM recent",
    ],
)
@pytest.mark.parametrize("days", [7, 60])
def test_the_athena_statement_reads_what_the_local_path_reads(s3, tmp_path: Path, statement: str, days: int) -> None:
    since = NOW - timedelta(days=days)
    _, local = query.local(s3, BUCKET, AUDIT, "fraud", since, statement)
    intervals = athena.deploy_intervals(deployments.history(s3, AUDIT, "fraud"))
    remote = athena_tables(s3, tmp_path).execute(athena.statement("fraud", since, intervals, statement)).fetchall()
    assert sorted(remote, key=str) == sorted(local, key=str)
    assert len(local) == (3 if days == 7 else 4) - ("recent" in statement)


def test_deploy_intervals_end_where_the_next_deploy_of_the_endpoint_begins() -> None:
    first, second = "20261201T100000.000Z", "20261202T100000.500Z"
    history = [
        {"stamp": first, "record_uri": "s3://a/1", "endpoints": {"ep": ARN, "other": ARN}},
        {"stamp": second, "record_uri": "s3://a/2", "endpoints": {"ep": ARN.replace("/3", "/4")}},
    ]
    t1, t2 = datetime(2026, 12, 1, 10, tzinfo=UTC), datetime(2026, 12, 2, 10, 0, 0, 500000, tzinfo=UTC)
    assert athena.deploy_intervals(history) == [
        ("ep", t1, t2, "detector", 3, ARN, "s3://a/1"),
        ("ep", t2, None, "detector", 4, ARN.replace("/3", "/4"), "s3://a/2"),
        ("other", t1, None, "detector", 3, ARN, "s3://a/1"),
    ]


def test_a_quote_in_a_value_stays_inside_its_literal() -> None:
    hostile = "fraud' OR 1=1 --"
    sql = athena.statement(hostile, NOW, [], "SELECT count(*) FROM predictions")
    assert sql.count("'fraud'' OR 1=1 --'") == 3, "the project literal, in both tables' filters and the column"
    assert athena.literal(None) == "NULL" and athena.literal(3) == "3"
    assert athena.literal(datetime(2026, 12, 3, 10, tzinfo=UTC)) == "TIMESTAMP '2026-12-03 10:00:00.000000'"


@pytest.fixture
def workgroup():
    with mock_aws():
        client = boto3.client("athena", region_name=REGION)
        client.create_work_group(Name="acme-ml-predictions")
        yield client, athena_backends[DEFAULT_ACCOUNT_ID][REGION]


def test_a_query_runs_in_the_workgroup_and_its_header_row_is_dropped(workgroup) -> None:
    client, backend = workgroup
    header = {"Data": [{"VarCharValue": "source"}, {"VarCharValue": "n"}]}
    backend.query_results_queue.append(
        QueryResults(
            rows=[
                header,
                {"Data": [{"VarCharValue": "batch"}, {"VarCharValue": "2"}]},
                {"Data": [{}, {"VarCharValue": "1"}]},
            ],
            column_info=[{"Name": "source", "Type": "varchar"}, {"Name": "n", "Type": "bigint"}],
        )
    )
    columns, rows = athena.run(client, "acme-ml-predictions", "acme_ml_predictions", "SELECT 1", sleep=lambda _: None)
    assert (columns, rows) == (["source", "n"], [("batch", "2"), (None, "1")])
    (execution,) = backend.executions.values()
    assert (execution.query, execution.workgroup.name) == ("SELECT 1", "acme-ml-predictions")


def test_a_failed_query_is_a_failure_naming_the_query(workgroup) -> None:
    client, backend = workgroup
    query_id = client.start_query_execution(QueryString="SELECT 1", WorkGroup="acme-ml-predictions")["QueryExecutionId"]
    backend.executions[query_id].status = "FAILED"  # moto runs no query, so it never fails one
    client.start_query_execution = lambda **_: {"QueryExecutionId": query_id}
    with pytest.raises(athena.QueryFailed, match=f"{query_id} failed"):
        athena.run(client, "acme-ml-predictions", "db", "SELECT 1", sleep=lambda _: None)


def test_a_query_over_the_timeout_is_stopped(workgroup) -> None:
    client, backend = workgroup
    state_manager.set_transition("athena::execution", {"progression": "manual", "times": 1000})
    try:
        with pytest.raises(athena.QueryFailed, match="took over 3 s and was stopped"):
            athena.run(client, "acme-ml-predictions", "db", "SELECT 1", timeout=3, sleep=lambda _: None)
    finally:
        state_manager.unset_transition("athena::execution")
    (execution,) = backend.executions.values()
    assert execution.status == "CANCELLED"


def test_mlzone_predictions_query_target_aws_runs_the_unified_statement_in_the_platforms_workgroup(workgroup) -> None:
    client, backend = workgroup
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=AUDIT, CreateBucketConfiguration={"LocationConstraint": REGION})
    backend.query_results_queue.append(
        QueryResults(
            rows=[{"Data": [{"VarCharValue": "n"}]}, {"Data": [{"VarCharValue": "7"}]}],
            column_info=[{"Name": "n", "Type": "bigint"}],
        )
    )
    statement = "SELECT count(*) AS n FROM predictions"
    args = ["predictions", "query", "fraud-detection", statement, "--root", str(ROOT), "--target", "aws", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"n": "7"}]
    (execution,) = backend.executions.values()
    assert execution.workgroup.name == "acme-ml-predictions"
    assert execution.context == {"Database": "acme_ml_predictions"}
    assert execution.query.startswith("WITH deploys AS (") and execution.query.endswith(f") {statement}")
    assert "project = 'fraud-detection'" in execution.query


def test_a_refused_statement_never_reaches_athena(workgroup) -> None:
    _, backend = workgroup
    args = ["predictions", "query", "fraud-detection", "DROP TABLE predictions", "--root", str(ROOT), "--target", "aws"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "fix:" in result.output
    assert not backend.executions


def test_csv_rows_end_in_a_newline_so_shell_tools_read_them(workgroup) -> None:
    _, backend = workgroup
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=AUDIT, CreateBucketConfiguration={"LocationConstraint": REGION})
    rows = [{"Data": [{"VarCharValue": "id"}]}, {"Data": [{"VarCharValue": "p-1"}]}]
    backend.query_results_queue.append(QueryResults(rows=rows, column_info=[{"Name": "id", "Type": "varchar"}]))
    statement = "SELECT prediction_id AS id FROM predictions"
    args = ["predictions", "query", "fraud-detection", statement, "--root", str(ROOT), "--target", "aws", "--csv"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and result.output == "id\np-1\n", repr(result.output)


def test_mlzone_predictions_report_target_aws_reads_the_models_rows_through_athena(workgroup) -> None:
    _, backend = workgroup
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=AUDIT, CreateBucketConfiguration={"LocationConstraint": REGION})
    arn = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud-detection--fraud-scorer/2"
    values = {"model": "fraud-scorer", "model_version": "2", "model_package_arn": arn, "subject_key": None}
    rows = [
        {"prediction_id": f"p-{i}", "source": source, "input": '{"amount": 4.0}', "output": "[0.25]"} | values
        for i, source in enumerate(("endpoint", "batch", "batch"))
    ]
    names = list(rows[0])
    data = [{"Data": [{"VarCharValue": n} for n in names]}]  # Athena answers every value as text
    data += [{"Data": [{"VarCharValue": r[n]} if r[n] is not None else {} for n in names]} for r in rows]
    backend.query_results_queue.append(
        QueryResults(rows=data, column_info=[{"Name": n, "Type": "varchar"} for n in names])
    )
    args = ["predictions", "report", "fraud-detection", "fraud-scorer", "--root", str(ROOT), "--target", "aws"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    table = {tuple(line.split("│")[1:4]) for line in result.output.splitlines() if line.count("│") > 4}
    assert {tuple(c.strip() for c in row) for row in table} >= {("batch", "2", "2"), ("endpoint", "2", "1")}
    assert "0.250" in result.output
    (execution,) = backend.executions.values()
    assert execution.query.endswith(") SELECT * FROM predictions WHERE model = 'fraud-scorer'")
