"""`mlzone portal`: the self-service web app on 127.0.0.1, behind a random token (like Jupyter)."""
