"""The policy gate: checkov (every built-in AWS check + policies/checks) on synthesized stacks
(`cdk.tf.json`) and plan JSON, plus change rules on plans, minus reasoned exceptions.

The gate fails closed. It fails when
- any check fails on a resource without a valid exception (`policies/exceptions.yaml`);
- a file cannot be parsed, is neither Terraform JSON nor a plan, or zero checks ran on it
  (checkov itself exits 0 in those cases: checkov#7454);
- a plan deletes or replaces a KMS key, a CloudTrail trail, an Object Lock configuration or an
  Object-Locked (audit) bucket (`MLZ_PLAN_1`, policies/checks/plan_no_destroy.py) without an
  exception naming it; change rules run on `deletions_view(plan)`, since checkov sees only what a
  plan keeps;
- an exception is expired, has a reason under 20 characters, or lacks owner/ticket/expiry; a glob
  exception lacks its `matches:` list (the resources its reason was reviewed for);
- a construct waiver (`modules/waivers.py`: an `allow_*` reason recorded in the construct's
  metadata, copied to `"//".mlzone.waivers` of cdk.tf.json) has a short reason or names an
  unknown check.
Exceptions that match nothing in the gated stacks, and glob exceptions that match a resource not in
their `matches:` list, only warn.

Findings name the construct path (the `"//".metadata.path` of cdk.tf.json; for a plan, the
cdk.tf.json next to it), so they read `platform/audit/access-logs/bucket`, not a logical id.

Modules: `runner` (run, gate_file), `waivers` (exceptions and construct waivers), `findings`
(results), `inputs` (which files, which kind, construct paths), `checkov_scan` (checkov itself),
`plan_views` (what a plan deletes, the zone's own accounts).
"""
