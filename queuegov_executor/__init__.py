"""The standalone queuegov executor's building blocks, psycopg only (no Django):
what an Agent, Hermes or DOT host can run beside the project."""
