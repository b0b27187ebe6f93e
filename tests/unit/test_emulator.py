"""Each moto gap handler of mlzone.emulator, through boto3 against moto in-process, and the server lifecycle."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from mlzone.emulator import STATE_FILE, Emulator, is_ours, kept_url, patch_moto, stop_kept
from mlzone.process import answers
from tests.conftest import moto_server

pytestmark = pytest.mark.unit
REGION = "eu-west-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    """A boto3 client factory on in-process moto with mlzone's handlers installed."""
    for var, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")):
        monkeypatch.setenv(var, value)
    patch_moto()
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)


def _cluster(emr, **extra) -> str:
    return emr.run_job_flow(
        Name="explore",
        ReleaseLabel="emr-7.2.0",
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        **extra,
    )["JobFlowId"]


def test_emr_auto_termination_policy_is_kept_from_run_job_flow_and_changed_by_put_and_remove(aws) -> None:
    emr = aws("emr")
    cluster = _cluster(emr, AutoTerminationPolicy={"IdleTimeout": 3600})
    assert emr.get_auto_termination_policy(ClusterId=cluster)["AutoTerminationPolicy"] == {"IdleTimeout": 3600}
    emr.put_auto_termination_policy(ClusterId=cluster, AutoTerminationPolicy={"IdleTimeout": 600})
    assert emr.get_auto_termination_policy(ClusterId=cluster)["AutoTerminationPolicy"] == {"IdleTimeout": 600}
    emr.remove_auto_termination_policy(ClusterId=cluster)
    assert "AutoTerminationPolicy" not in emr.get_auto_termination_policy(ClusterId=cluster)


def test_emr_cluster_keeps_its_log_encryption_key(aws) -> None:
    emr = aws("emr")
    key = "arn:aws:kms:eu-west-1:123456789012:key/abc"
    cluster = _cluster(emr, LogUri="s3://acme-ml-emr-logs/", LogEncryptionKmsKeyId=key)
    assert emr.describe_cluster(ClusterId=cluster)["Cluster"]["LogEncryptionKmsKeyId"] == key


def test_emr_get_auto_termination_policy_answers_for_a_cluster_without_one(aws) -> None:
    reply = aws("emr").get_auto_termination_policy(ClusterId=_cluster(aws("emr")))
    assert "AutoTerminationPolicy" not in reply


def test_emr_managed_scaling_policy_put_get_remove(aws) -> None:
    emr = aws("emr")
    cluster = _cluster(emr)
    assert "ManagedScalingPolicy" not in emr.get_managed_scaling_policy(ClusterId=cluster)
    limits = {"UnitType": "Instances", "MinimumCapacityUnits": 2, "MaximumCapacityUnits": 4}
    emr.put_managed_scaling_policy(ClusterId=cluster, ManagedScalingPolicy={"ComputeLimits": limits})
    assert emr.get_managed_scaling_policy(ClusterId=cluster)["ManagedScalingPolicy"]["ComputeLimits"] == limits
    emr.remove_managed_scaling_policy(ClusterId=cluster)
    assert "ManagedScalingPolicy" not in emr.get_managed_scaling_policy(ClusterId=cluster)


def test_emr_serverless_takes_the_engine_in_lower_case_and_waits_in_created(aws) -> None:
    app = aws("emr-serverless").create_application(
        name="nightly", releaseLabel="emr-7.2.0", type="spark", architecture="ARM64"
    )
    created = aws("emr-serverless").get_application(applicationId=app["applicationId"])["application"]
    assert (created["type"], created["state"], created["architecture"]) == ("Spark", "CREATED", "ARM64")


def test_application_autoscaling_tags_from_register_and_tag_calls(aws) -> None:
    scaling = aws("application-autoscaling")
    target = {
        "ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/scorer/variant/main",
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
    }
    arn = scaling.register_scalable_target(**target, MinCapacity=1, MaxCapacity=2, Tags={"team": "risk"})[
        "ScalableTargetARN"
    ]
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "risk"}
    scaling.tag_resource(ResourceARN=arn, Tags={"project": "fraud"})
    scaling.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"project": "fraud"}


def test_sagemaker_model_package_group_policy(aws) -> None:
    sm = aws("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn-model")
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    sm.put_model_package_group_policy(ModelPackageGroupName="churn-model", ResourcePolicy=policy)
    assert sm.get_model_package_group_policy(ModelPackageGroupName="churn-model")["ResourcePolicy"] == policy
    sm.delete_model_package_group_policy(ModelPackageGroupName="churn-model")
    with pytest.raises(ClientError, match="Cannot find resource policy"):
        sm.get_model_package_group_policy(ModelPackageGroupName="churn-model")
    with pytest.raises(ClientError, match="does not exist"):
        sm.put_model_package_group_policy(ModelPackageGroupName="missing", ResourcePolicy=policy)


def test_sagemaker_notebook_lifecycle_config_tags(aws) -> None:
    # (this boto3 cannot send Tags on create; the provider's newer SDK does, and the handler keeps them)
    sm = aws("sagemaker")
    arn = sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="churn-bob-idle-stop",
        OnStart=[{"Content": "ZWNobw=="}],
    )["NotebookInstanceLifecycleConfigArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "project", "Value": "churn"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "project", "Value": "churn"}]


def test_sagemaker_notebook_keeps_its_metadata_service_setting(aws) -> None:
    sm = aws("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="churn-bob",
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::123456789012:role/notebook",
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
    )
    described = sm.describe_notebook_instance(NotebookInstanceName="churn-bob")
    assert described["InstanceMetadataServiceConfiguration"] == {"MinimumInstanceMetadataServiceVersion": "2"}


def test_sagemaker_model_keeps_network_isolation(aws) -> None:
    sm = aws("sagemaker")
    sm.create_model(
        ModelName="fraud-detection-scorer",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/endpoint",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/m:1.0.0"},
        EnableNetworkIsolation=True,
    )
    assert sm.describe_model(ModelName="fraud-detection-scorer")["EnableNetworkIsolation"] is True


def test_sagemaker_update_notebook_instance_changes_a_stopped_notebook(aws) -> None:
    sm = aws("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="churn-bob",
        InstanceType="ml.t3.medium",
        VolumeSizeInGB=20,
        RoleArn="arn:aws:iam::123456789012:role/notebook",
    )
    with pytest.raises(ClientError, match="Unable to update"):  # as on AWS: stop it first
        sm.update_notebook_instance(NotebookInstanceName="churn-bob", VolumeSizeInGB=50)
    sm.stop_notebook_instance(NotebookInstanceName="churn-bob")
    sm.update_notebook_instance(
        NotebookInstanceName="churn-bob",
        VolumeSizeInGB=50,
        InstanceType="ml.t3.large",
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
    )
    described = sm.describe_notebook_instance(NotebookInstanceName="churn-bob")
    assert (described["VolumeSizeInGB"], described["InstanceType"]) == (50, "ml.t3.large")
    assert described["InstanceMetadataServiceConfiguration"] == {"MinimumInstanceMetadataServiceVersion": "2"}


def test_sagemaker_update_notebook_instance_lifecycle_config(aws) -> None:
    sm = aws("sagemaker")
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="churn-bob-idle-stop", OnStart=[{"Content": "ZWNobw=="}]
    )
    sm.update_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="churn-bob-idle-stop", OnStart=[{"Content": "ZWNobyAy"}]
    )
    described = sm.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="churn-bob-idle-stop"
    )
    assert described["OnStart"] == [{"Content": "ZWNobyAy"}]


def test_sagemaker_update_endpoint_moves_it_to_the_new_configuration(aws) -> None:
    sm = aws("sagemaker")
    sm.create_model(
        ModelName="churn-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/endpoint",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/m:1.0.0"},
    )
    for name, instance_type in (("churn-api-1", "ml.m5.large"), ("churn-api-2", "ml.m5.xlarge")):
        sm.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "main",
                    "ModelName": "churn-model",
                    "InitialInstanceCount": 1,
                    "InstanceType": instance_type,
                }
            ],
        )
    sm.create_endpoint(EndpointName="churn-api", EndpointConfigName="churn-api-1")
    sm.update_endpoint(EndpointName="churn-api", EndpointConfigName="churn-api-2")
    described = sm.describe_endpoint(EndpointName="churn-api")
    assert (described["EndpointConfigName"], described["EndpointStatus"]) == ("churn-api-2", "InService")
    with pytest.raises(ClientError, match="Could not find endpoint configuration"):
        sm.update_endpoint(EndpointName="churn-api", EndpointConfigName="missing")


def test_logs_associate_and_disassociate_kms_key(aws) -> None:
    logs = aws("logs")
    logs.create_log_group(logGroupName="/mlzone/acme-ml/vpc-flow-logs")
    key = "arn:aws:kms:eu-west-1:123456789012:key/abc"
    logs.associate_kms_key(logGroupName="/mlzone/acme-ml/vpc-flow-logs", kmsKeyId=key)
    assert logs.describe_log_groups()["logGroups"][0]["kmsKeyId"] == key
    logs.disassociate_kms_key(logGroupName="/mlzone/acme-ml/vpc-flow-logs")
    assert "kmsKeyId" not in logs.describe_log_groups()["logGroups"][0]
    with pytest.raises(ClientError, match="ResourceNotFound"):
        logs.associate_kms_key(logGroupName="/missing", kmsKeyId=key)


ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT}:lab--budget-alerts"


def _budget(budgets, **extra) -> dict:
    budget = {
        "BudgetName": "lab--budget",
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": "500", "Unit": "USD"},
    }
    notification = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0}
    subscribers = [{"SubscriptionType": "SNS", "Address": TOPIC}]
    budgets.create_budget(
        AccountId=ACCOUNT,
        Budget=budget,
        NotificationsWithSubscribers=[{"Notification": notification, "Subscribers": subscribers}],
        **extra,
    )
    return notification


def test_budgets_subscribers_of_a_notification(aws) -> None:
    budgets = aws("budgets")
    notification = _budget(budgets)
    # The provider reads back the notification as DescribeNotificationsForBudget returns it (with ThresholdType).
    read = {**notification, "ThresholdType": "PERCENTAGE", "Threshold": 80}
    found = budgets.describe_subscribers_for_notification(
        AccountId=ACCOUNT, BudgetName="lab--budget", Notification=read
    )["Subscribers"]
    assert found == [{"SubscriptionType": "SNS", "Address": TOPIC}]
    with pytest.raises(ClientError, match="notification doesn't exist"):
        budgets.describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName="lab--budget", Notification={**notification, "Threshold": 100.0}
        )
    with pytest.raises(ClientError, match="budget doesn't exist"):
        budgets.describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName="missing", Notification=notification
        )


def test_budgets_update_budget_changes_the_limit_and_keeps_notifications(aws) -> None:
    budgets = aws("budgets")
    _budget(budgets)
    budgets.update_budget(
        AccountId=ACCOUNT,
        NewBudget={
            "BudgetName": "lab--budget",
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": "900", "Unit": "USD"},
        },
    )
    found = budgets.describe_budget(AccountId=ACCOUNT, BudgetName="lab--budget")["Budget"]
    assert found["BudgetLimit"] == {"Amount": "900", "Unit": "USD"}
    assert (
        len(budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName="lab--budget")["Notifications"])
        == 1
    )


def test_budgets_tags_from_create_and_the_tag_calls(aws) -> None:
    budgets = aws("budgets")
    _budget(budgets, ResourceTags=[{"Key": "project", "Value": "lab"}, {"Key": "team", "Value": "ds"}])
    arn = f"arn:aws:budgets::{ACCOUNT}:budget/lab--budget"

    def tags() -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"]}

    assert tags() == {"project": "lab", "team": "ds"}
    budgets.tag_resource(ResourceARN=arn, ResourceTags=[{"Key": "team", "Value": "data-science"}])
    budgets.untag_resource(ResourceARN=arn, ResourceTagKeys=["project"])
    assert tags() == {"team": "data-science"}


def test_sagemaker_delete_model_package_group(aws) -> None:
    sm = aws("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="fraud-scorer")
    sm.delete_model_package_group(ModelPackageGroupName="fraud-scorer")
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    with pytest.raises(ClientError, match="does not exist"):
        sm.delete_model_package_group(ModelPackageGroupName="fraud-scorer")


def test_sagemaker_mlflow_tracking_server_lifecycle_and_tags(aws) -> None:
    sm = aws("sagemaker")
    server = {
        "TrackingServerName": "acme-ml",
        "ArtifactStoreUri": "s3://acme-ml-mlflow/",
        "RoleArn": "arn:aws:iam::123456789012:role/mlflow",
    }
    arn = sm.create_mlflow_tracking_server(
        **server,
        TrackingServerSize="Small",
        Tags=[{"Key": "team", "Value": "ml-platform"}],
    )["TrackingServerArn"]
    described = sm.describe_mlflow_tracking_server(TrackingServerName="acme-ml")
    assert (described["TrackingServerArn"], described["TrackingServerStatus"]) == (arn, "Created")
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml-platform"}]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "cost-center", "Value": "CC-0001"}])
    assert len(sm.list_tags(ResourceArn=arn)["Tags"]) == 2
    sm.update_mlflow_tracking_server(TrackingServerName="acme-ml", TrackingServerSize="Medium")
    assert sm.describe_mlflow_tracking_server(TrackingServerName="acme-ml")["TrackingServerSize"] == "Medium"
    with pytest.raises(ClientError, match="already exists"):
        sm.create_mlflow_tracking_server(**server)
    sm.delete_mlflow_tracking_server(TrackingServerName="acme-ml")
    with pytest.raises(ClientError) as gone:
        sm.describe_mlflow_tracking_server(TrackingServerName="acme-ml")
    assert gone.value.response["Error"]["Code"] == "ResourceNotFound"


def test_s3_logging_accepts_a_target_with_wildcard_principal_statements(aws) -> None:
    s3 = aws("s3")
    for bucket in ("acme-logs", "acme-data"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(
        Bucket="acme-logs",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": "arn:aws:s3:::acme-logs/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
    )
    s3.put_bucket_logging(
        Bucket="acme-data",
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "acme-logs", "TargetPrefix": "data/"}},
    )
    assert s3.get_bucket_logging(Bucket="acme-data")["LoggingEnabled"]["TargetBucket"] == "acme-logs"


def test_s3_conditional_deny_statements_do_not_refuse_every_request(aws) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="acme-tfstate", CreateBucketConfiguration={"LocationConstraint": REGION})
    resources = ["arn:aws:s3:::acme-tfstate", "arn:aws:s3:::acme-tfstate/*"]
    tls_only = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": resources,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    s3.put_bucket_policy(Bucket="acme-tfstate", Policy=json.dumps({"Version": "2012-10-17", "Statement": [tls_only]}))
    s3.put_object(Bucket="acme-tfstate", Key="mlzone/platform.tfstate", Body=b"{}")
    assert s3.get_object(Bucket="acme-tfstate", Key="mlzone/platform.tfstate")["Body"].read() == b"{}"
    deny_all = {k: v for k, v in tls_only.items() if k != "Condition"}
    s3.put_bucket_policy(Bucket="acme-tfstate", Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny_all]}))
    with pytest.raises(ClientError, match="403"):
        s3.head_object(Bucket="acme-tfstate", Key="mlzone/platform.tfstate")


def healthy(url: str) -> bool:
    """True when a moto server, ours or not, answers at `url`."""
    return answers(f"{url}/moto-api/config", 2.0)


def test_emulator_starts_on_a_free_port_stops_and_keeps_only_when_asked(tmp_path: Path) -> None:
    with Emulator(tmp_path) as emu:
        assert healthy(emu.url)
        assert not (tmp_path / "emulator.json").exists()
    assert not healthy(emu.url)

    kept = Emulator(tmp_path, keep=True).start()
    try:
        again = Emulator(tmp_path).start()
        assert again.reused and again.url == kept.url
        again.stop()
        assert healthy(kept.url), "a command reusing a kept emulator must not stop it"
    finally:
        assert stop_kept(tmp_path) == "stopped"
    kept.proc.wait(10)
    assert not healthy(kept.url)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logs"], "nothing persisted but the log"


def test_a_server_already_on_the_chosen_port_is_not_taken_for_the_started_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a port picked free and taken by another process before the emulator binds it: that server answers moto's
    # API too, but not this start's token, so the start fails (its server could not bind) instead of using it
    with moto_server() as foreign:
        monkeypatch.setattr("mlzone.process.free_port", lambda host="127.0.0.1": int(foreign.rsplit(":", 1)[1]))
        monkeypatch.setattr("mlzone.emulator.server.START_TIMEOUT", 20)
        emulator = Emulator(tmp_path)
        try:
            with pytest.raises(RuntimeError, match="did not start"):
                emulator.start()
        finally:
            emulator.stop()  # had it counted as started, its server would outlive the test
        assert healthy(foreign), "the foreign server is left alone"


@pytest.fixture
def unrelated(tmp_path: Path):
    """A process that is not an emulator (its own process group, as a kept emulator would be)."""
    proc = subprocess.Popen(["sleep", "300"], start_new_session=True)
    yield proc
    proc.kill()
    proc.wait()


def test_a_stale_record_never_signals_the_process_that_now_has_its_pid(tmp_path: Path, unrelated) -> None:
    live = Emulator(tmp_path / "live", keep=True).start()  # a real emulator answers the recorded url
    try:
        (tmp_path / STATE_FILE).write_text(json.dumps({"pid": unrelated.pid, "url": live.url, "token": "x"}))
        assert kept_url(tmp_path) is None
        assert stop_kept(tmp_path) == "stale" and not (tmp_path / STATE_FILE).exists()
        (tmp_path / STATE_FILE).write_text(json.dumps({"pid": unrelated.pid, "url": "http://127.0.0.1:1"}))
        fresh = Emulator(tmp_path).start()  # finds the stale record, starts its own
        fresh.stop()
        assert unrelated.poll() is None, "the unrelated process survived"
        assert healthy(live.url), "and so did the emulator that only shares the url"
    finally:
        live.stop(force=True)


def test_a_kept_emulator_is_ours_only_with_its_own_token(tmp_path: Path) -> None:
    kept = Emulator(tmp_path, keep=True).start()
    try:
        record = json.loads((tmp_path / STATE_FILE).read_text())
        assert is_ours(record)
        assert not is_ours({**record, "token": "guessed"})
        assert not is_ours({**record, "url": "http://127.0.0.1:1"}), "the command line names another port"
        (tmp_path / STATE_FILE).write_text(json.dumps({**record, "token": "guessed"}))
        assert stop_kept(tmp_path) == "stale"
        assert healthy(kept.url), "a record it cannot prove is left alone"
    finally:
        kept.stop(force=True)


def test_sagemaker_presigned_notebook_url_points_at_the_notebook(aws) -> None:
    sm = aws("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="churn--bob", InstanceType="ml.t3.medium", RoleArn="arn:aws:iam::123456789012:role/nb"
    )
    url = sm.create_presigned_notebook_instance_url(NotebookInstanceName="churn--bob")["AuthorizedUrl"]
    host = sm.describe_notebook_instance(NotebookInstanceName="churn--bob")["Url"]
    assert url.startswith(f"https://{host}?authToken=") and len(url) > len(host) + 30
    with pytest.raises(ClientError):
        sm.create_presigned_notebook_instance_url(NotebookInstanceName="churn--nobody")
