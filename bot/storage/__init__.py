"""Persistence: the SQL schema (SQLAlchemy + Alembic migrations), sessions and turns,
feedback, the review queue, API keys and retention."""
