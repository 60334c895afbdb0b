"""data versions: a write counter per county, bumped in the writer's transaction

Several app processes cache query results; each cached result is keyed by the counters of the
area it covers, read from this table on every rerun (see greening/data_version.py).

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
        "data_versions",
        sa.Column("scope", sa.String(12), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_data_versions")),
    )


def downgrade() -> None:
    op.drop_table("data_versions")
