"""Orchestration of the CLI's commands: synth → gate 1 → plan → gate 2 → apply in waves → verify
(`run`), one stack's steps (`stack`), the waves (`waves`), exit-code rules (`failure`) and the commands
that read a deployed zone (`inspect`)."""
