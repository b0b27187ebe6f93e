"""The keys of the tags every resource carries: put on by `modules.tagging`, required by CKV_MLZ_23.

Kept apart from `modules/tagging.py` (a cdktf Aspect) so the policy check reads them without loading cdktf.
"""

from __future__ import annotations

REQUIRED_TAG_KEYS = ("team", "project", "cost-center", "data-classification", "managed-by")
