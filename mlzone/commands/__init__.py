"""Command groups of the `mlzone` CLI (`mlzone model …`, `mlzone batch …`): each module parses its
group's arguments and dispatches; `mlzone/cli.py` adds each group with `app.add_typer`."""
