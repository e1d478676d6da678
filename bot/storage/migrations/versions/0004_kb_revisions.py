"""The knowledge base's admin edits, shared by every replica (bot/storage/kb_revisions.py).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_revisions",
        sa.Column("revision", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kb_revisions_digest", "kb_revisions", ["digest"])
    # The files an edit changed (the first revision: every file). The primary key's order
    # finds each file's newest content up to a revision.
    op.create_table(
        "kb_revision_files",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("revision", sa.Integer(),
                  sa.ForeignKey("kb_revisions.revision", ondelete="CASCADE"), primary_key=True),
        sa.Column("content", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kb_revision_files")
    op.drop_index("ix_kb_revisions_digest", "kb_revisions")
    op.drop_table("kb_revisions")
