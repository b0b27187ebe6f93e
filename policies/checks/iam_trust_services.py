from policies.checks._common import MlzCheck, allows, principals, statement_problems


class IamTrustOnlyServices(MlzCheck):
    """Ensure IAM roles are assumable only by AWS service principals.

    Rationale: mlzone roles belong to workloads (SageMaker, EMR, flow logs, ...). A trust policy
    naming `*`, another account, a user or a federated identity lets people outside the workload
    take the role's rights.

    Remediation: build the trust policy with modules/iam.py `assume_role_policy(service)`.
    """

    ID = "CKV_MLZ_22"
    RESOURCES = ("aws_iam_role",)

    def problems(self, conf):
        def judge(statement):
            if not allows(statement):
                return None
            who = principals(statement)
            services = who.pop("Service", [])
            if who or not services:
                return (
                    f"trust statement {statement.get('Sid', '(no Sid)')} names non-service principals {who or '(none)'}"
                )
            odd = [s for s in services if not str(s).endswith(".amazonaws.com")]
            return f"trust statement names unknown services {odd}" if odd else None

        return statement_problems(conf, ["assume_role_policy"], judge)


check = IamTrustOnlyServices()
