"""Local serving: what a SageMaker endpoint does, done inside the emulator.

`resolve` follows endpoint → configuration → model → model package version → artifact on moto's
backends; `model_cache` loads each version's MLflow pyfunc once; `codec` reads request bodies and
writes answers as MLflow's scoring server does; `capture` writes SageMaker's data-capture records;
`endpoint` puts them together for one InvokeEndpoint; `invoke` is the `mlzone invoke` command.
"""
