"""Run the Terraform CLI for one synthesized stack: init (mirror or registry), plan, show, apply.

The project writes its own CLI config (`.mlzone/terraformrc`): with a provider mirror
(`MLZONE_PROVIDER_MIRROR`, or one auto-detected in the usual plugin folders) Terraform installs
hashicorp/aws from it and never calls the registry; without one it uses the public registry.

Modules: `runner` (the `Terraform` steps of one stack, with timeouts), `config` (the binary, the
provider mirror, the CLI config), `children` (every live Terraform process; Ctrl-C stops them all),
`parallel` (steps over many stacks at once), `errors`.
"""
