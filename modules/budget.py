"""A project's monthly cost budget (AWS Budgets), notifying the team at 80 % and 100 %.

The budget counts the cost of everything tagged `project=<project>` (the required tag every resource
carries, modules/tag_keys.py; it must be activated once as a cost-allocation tag in the payer account).
Notifications go to an SNS topic of the project, encrypted with the project key: the team subscribes
its own addresses or chat integration, so no address is kept in the spec. Only AWS Budgets, acting for
this budget in this account, may publish to the topic or use the key for it. Three notifications:
actual spend above 80 % and 100 %, and forecast spend above 100 %.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.budgets_budget import BudgetsBudget, BudgetsBudgetCostFilter, BudgetsBudgetNotification
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from constructs import Construct

from modules.keys import ServiceGrant
from modules.naming import project_name
from modules.tag_keys import REQUIRED_TAG_KEYS

BUDGETS = "budgets.amazonaws.com"
PROJECT_TAG = "project"
THRESHOLDS = (("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100))  # (notification type, percent)


def budget_name(project: str) -> str:
    """`<project>--budget`."""
    return project_name(project, "budget")


def budget_arn(account_id: str, project: str) -> str:
    """The ARN AWS Budgets acts for (`aws:SourceArn` of its publishes)."""
    return f"arn:aws:budgets::{account_id}:budget/{budget_name(project)}"


def budget_key_grant(account_id: str, project: str) -> ServiceGrant:
    """AWS Budgets may encrypt notifications to the topic with the project key, for this budget only."""
    return ServiceGrant(
        principal=BUDGETS,
        condition={
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": budget_arn(account_id, project)},
        },
    )


@dataclass(frozen=True, kw_only=True)
class BudgetProps:
    """One project's monthly cost budget; the key must grant `budget_key_grant`."""

    project: str
    """Project name (the `project` tag value the budget filters on)."""
    account_id: str
    """Account of the budget."""
    key_arn: str
    """The project key, encrypting the notification topic."""
    monthly_usd: int
    """Budget limit per calendar month, in USD."""

    def __post_init__(self) -> None:
        if PROJECT_TAG not in REQUIRED_TAG_KEYS:
            raise ValueError(f"the budget filters on the {PROJECT_TAG!r} tag, which is not a required tag")
        if self.monthly_usd < 1:
            raise ValueError(f"budget of project {self.project}: monthly_usd={self.monthly_usd}; fix: use at least 1")


class Budget(Construct):
    """Outputs: `name`, `arn`, `topic_arn`."""

    def __init__(self, scope: Construct, id: str, props: BudgetProps) -> None:
        super().__init__(scope, id)
        self.topic = SnsTopic(
            self, "topic", name=project_name(props.project, "budget-alerts"), kms_master_key_id=props.key_arn
        )
        SnsTopicPolicy(
            self,
            "topic-policy",
            arn=self.topic.arn,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "BudgetsPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": BUDGETS},
                            "Action": "SNS:Publish",
                            "Resource": self.topic.arn,
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": props.account_id},
                                "ArnLike": {"aws:SourceArn": budget_arn(props.account_id, props.project)},
                            },
                        },
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "SNS:Publish",
                            "Resource": self.topic.arn,
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                }
            ),
        )
        self.budget = BudgetsBudget(
            self,
            "budget",
            name=budget_name(props.project),
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=str(props.monthly_usd),
            limit_unit="USD",
            cost_filter=[BudgetsBudgetCostFilter(name="TagKeyValue", values=[f"user:{PROJECT_TAG}${props.project}"])],
            notification=[
                BudgetsBudgetNotification(
                    comparison_operator="GREATER_THAN",
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                    notification_type=kind,
                    subscriber_sns_topic_arns=[self.topic.arn],
                )
                for kind, percent in THRESHOLDS
            ],
        )
        self.name = self.budget.name
        self.arn = self.budget.arn
        self.topic_arn = self.topic.arn
