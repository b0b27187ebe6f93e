"""What a notebook needs to reach a running Spark cluster: its Livy endpoint and a SparkMagic config."""

from __future__ import annotations

import json

from modules.cluster_ports import CLUSTER_PORTS


def livy_url(master_dns: str) -> str:
    """The Livy REST endpoint on the cluster's primary node (the port the self-service network opens)."""
    return f"http://{master_dns}:{CLUSTER_PORTS['livy']}"


def sparkmagic_config(master_dns: str) -> str:
    """The `~/.sparkmagic/config.json` snippet pointing SparkMagic's kernels at the cluster's Livy."""
    credentials = {"username": "", "password": "", "url": livy_url(master_dns), "auth": "None"}
    return json.dumps({"kernel_python_credentials": credentials, "kernel_scala_credentials": credentials}, indent=2)
