"""Batch scoring on the local target: the platform's scoring job (mlzone/jobs/score.py) on local Spark."""
