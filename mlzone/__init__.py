"""mlzone: a secure ML platform landing zone for AWS, built with CDK for Terraform."""

import os

from mlzone import bindings

# The jsii runtime prints a Node end-of-life banner on every start; the variable lists the Node
# major versions to stay silent about (it is not a boolean).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20,22")
# Before anything imports the AWS provider bindings: load only the submodules a synth uses.
bindings.install()

__version__ = "0.1.0"
