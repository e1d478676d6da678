"""Ingested chat-log examples for retraining (review queue and labels).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_examples",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("text_key", sa.String(64), nullable=False, unique=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(24), nullable=True),
        sa.Column("bot_answer", sa.Text(), nullable=True),
        sa.Column("feedback", sa.String(8), nullable=True),
        sa.Column("predicted_intent", sa.String(80), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("label_intent", sa.String(80), nullable=True),
        sa.Column("label_faq", sa.String(90), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_log_examples_status", "log_examples", ["status"])
    # Which conversations an example came from, so that erasing a session erases the
    # examples only it contributed (right to erasure).
    op.create_table(
        "log_example_sessions",
        sa.Column("example_id", sa.Integer(),
                  sa.ForeignKey("log_examples.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("session_id", sa.String(64), primary_key=True),
    )
    op.create_index("ix_log_example_sessions_session_id", "log_example_sessions",
                    ["session_id"])


def downgrade() -> None:
    op.drop_table("log_example_sessions")
    op.drop_index("ix_log_examples_status", "log_examples")
    op.drop_table("log_examples")
