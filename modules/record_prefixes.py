"""The prefixes of the audit bucket that mlzone writes records under (one record kind each), defined once
for the bucket policy (modules/audit_storage.py), its policy check and the record writer (mlzone/audit_record.py)."""

from __future__ import annotations

RECORD_PREFIXES = ("approvals/", "deployments/", "batch-runs/", "requests/", "erasures/")
