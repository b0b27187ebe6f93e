"""Self-service: requests data scientists make inside the guardrails of their project (issue 13)."""
