from policies.checks._common import allows, principals
from policies.checks._policy import (
    KEY,
    RESOURCE,
    TRUST,
    PolicyCheck,
    accounts_in,
    condition_keys,
    home_accounts,
    sid,
)

# Conditions that pin who the caller is (its account, organization, ARN, or the resource acting).
PINNING = {
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "kms:calleraccount",
}


class IamNoUnconditionedCrossAccountPrincipal(PolicyCheck):
    """Ensure resource, key and trust policies grant other accounts (or everyone) only under a condition.

    Rationale: a bucket, key, repository, registry or trust policy naming another account's root or
    roles, `*`, `NotPrincipal` or a federated identity provider without a condition that pins the
    caller (aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount, ...)
    opens the resource to identities mlzone does not govern (a federated provider is pinned by a
    condition on the token's subject, `<provider>:sub`). The home account is the one the
    policy's resources and conditions name (and, on the AWS target, the provider's
    allowed_account_ids); a policy naming no account may name one account's principals only.

    Remediation: grant roles of the zone's own account, or add a Condition pinning the caller.
    """

    ID = "CKV_MLZ_38"
    KINDS = (RESOURCE, KEY, TRUST)

    def judge_document(self, document):
        home = home_accounts(document)
        problems, unpinned_accounts = [], set()
        for statement in document.statements:
            keys = {k.lower() for k in condition_keys(statement)}
            if not allows(statement) or PINNING & keys:
                continue
            who = principals(statement)
            if "NotPrincipal" in statement or "*" in who.get("*", []) + who.get("AWS", []):
                problems.append(f"statement {sid(statement)} allows every principal without a condition")
                continue
            if who.get("Federated") and not any(
                k.endswith(":sub") for k in keys
            ):  # the identity, not just the audience
                problems.append(
                    f"statement {sid(statement)} trusts {', '.join(who['Federated'])} "
                    f"without a condition on the subject (<provider>:sub)"
                )
            for principal in who.get("AWS", []):
                unpinned_accounts |= accounts_in(principal)
                foreign = accounts_in(principal) - home if home else set()
                if foreign:
                    problems.append(
                        f"statement {sid(statement)} allows account {', '.join(sorted(foreign))} "
                        f"({principal}) without a condition"
                    )
        if not home and len(unpinned_accounts) > 1:
            problems.append(
                f"the policy allows principals of {len(unpinned_accounts)} accounts "
                f"({', '.join(sorted(unpinned_accounts))}) without a condition"
            )
        return problems


check = IamNoUnconditionedCrossAccountPrincipal()
