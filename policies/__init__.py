"""mlzone policy-as-code: checkov checks (`checks/`), exceptions (`exceptions.yaml`) and their docs."""
