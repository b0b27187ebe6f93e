from modules.tag_keys import REQUIRED_TAG_KEYS as REQUIRED_TAGS
from policies.checks._common import MlzCheck, get, tags_missing
from policies.checks._taggable import TAGGABLE


class RequiredTags(MlzCheck):
    """Ensure every taggable resource carries the five required tags with non-empty values.

    Rationale: team, project, cost-center, data-classification and managed-by drive cost
    allocation, data handling rules and ownership; an untagged resource has no owner.

    Remediation: build stacks with modules/tagging.py `tag_everything` (the TagAspect adds the
    tags to every resource with a `tags` argument); never pass an empty tag value.
    """

    ID = "CKV_MLZ_23"
    RESOURCES = ("aws_*",)

    def problems(self, conf):
        if self.entity_type not in TAGGABLE:
            return None
        missing = tags_missing(get(conf, "tags", {}), REQUIRED_TAGS)
        return [f"missing or empty tags: {', '.join(missing)}"] if missing else []


check = RequiredTags()
