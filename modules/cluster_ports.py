"""The ports a notebook needs on its Spark cluster's primary node (no cdktf: the portal reads them too)."""

CLUSTER_PORTS = {"livy": 8998, "jeg": 9547, "yarn": 8088}  # Livy, Jupyter Enterprise Gateway, YARN ResourceManager
