"""Where a zone keeps its files, defined once for the stacks (backends) and mlzone (the CLI).

Paths are relative to the zone folder (the one holding platform.yaml), except `LOCAL_STATE_FROM_STACK`,
which is relative to a stack's working directory (`cdktf.out/stacks/<stack>/`) so that no absolute path
is ever synthesized.
"""

from __future__ import annotations

WORK_DIR = ".mlzone"  # mlzone's own files: plans, logs, local state, the kept emulator's record
LOCAL_STATE_DIR = f"{WORK_DIR}/state"  # the local target's Terraform state, <stack>.tfstate
STACKS_DIR = "cdktf.out/stacks"  # synthesized stacks, <stack>/cdk.tf.json
LOCAL_STATE_FROM_STACK = "../../../" + LOCAL_STATE_DIR  # LOCAL_STATE_DIR seen from STACKS_DIR/<stack>/
# In a project stack's cdk.tf.json: the model package groups other projects share with it (the gate's
# registry check, CKV_MLZ_59, lets its SageMaker models use them).
SHARED_MODELS_JSON_PATH = "//.mlzone.shared_models"
