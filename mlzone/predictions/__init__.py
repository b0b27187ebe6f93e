"""The prediction log: endpoint captures and batch predictions of every project in one schema."""
