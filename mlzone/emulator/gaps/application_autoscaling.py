"""moto gaps of Application Auto Scaling: tags of scalable targets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mlzone.emulator.gaps import store
from mlzone.emulator.registry import fills

RESPONSE = "moto.applicationautoscaling.responses:ApplicationAutoScalingResponse"


@fills("application-autoscaling", "RegisterScalableTarget", on=RESPONSE, wraps=True)
def autoscaling_register_scalable_target_keeping_tags(original: Callable[[Any], str]) -> Callable[[Any], str]:
    """moto gap: Application Auto Scaling `RegisterScalableTarget` ignores `Tags`."""

    def register_scalable_target(self: Any) -> str:
        reply = original(self)
        if self._get_param("Tags"):
            arn = json.loads(reply)["ScalableTargetARN"]
            store(self.applicationautoscaling_backend, "tags")[arn] = dict(self._get_param("Tags"))
        return reply

    return register_scalable_target


@fills("application-autoscaling", "ListTagsForResource", on=RESPONSE)
def autoscaling_list_tags_for_resource(self: Any) -> str:
    """moto gap: Application Auto Scaling `ListTagsForResource` (read on every refresh of aws_appautoscaling_target)."""
    tags = store(self.applicationautoscaling_backend, "tags").get(self._get_param("ResourceARN"), {})
    return json.dumps({"Tags": tags})


@fills("application-autoscaling", "TagResource", on=RESPONSE)
def autoscaling_tag_resource(self: Any) -> str:
    """moto gap: Application Auto Scaling `TagResource`."""
    tags = store(self.applicationautoscaling_backend, "tags").setdefault(self._get_param("ResourceARN"), {})
    tags.update(self._get_param("Tags") or {})
    return json.dumps({})


@fills("application-autoscaling", "UntagResource", on=RESPONSE)
def autoscaling_untag_resource(self: Any) -> str:
    """moto gap: Application Auto Scaling `UntagResource`."""
    tags = store(self.applicationautoscaling_backend, "tags").get(self._get_param("ResourceARN"), {})
    for key in self._get_param("TagKeys") or []:
        tags.pop(key, None)
    return json.dumps({})
