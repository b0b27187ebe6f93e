"""The governed model lifecycle after training: register a run's model, approve or reject it, list versions."""
