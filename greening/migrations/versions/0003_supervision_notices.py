"""supervision notices, notification outbox, monthly ranking snapshots

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _tracked() -> list:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "supervision_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=True),
        sa.Column("issuer_name", sa.String(length=100), nullable=False),
        sa.Column("issuer_scope", sa.String(length=12), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("addressees", sa.JSON(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=60), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=60), nullable=True),
        sa.Column("report_text", sa.Text(), nullable=True),
        sa.Column("report_planting_ids", sa.JSON(), nullable=False),
        sa.Column("report_photo_ids", sa.JSON(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by", sa.String(length=60), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("times_returned", sa.Integer(), nullable=False),
        *_tracked(),
        sa.ForeignKeyConstraint(["village_id"], ["admin_areas.id"],
                                name=op.f("fk_supervision_notices_village_id_admin_areas")),
        sa.ForeignKeyConstraint(["issuer_id"], ["users.id"], name=op.f("fk_supervision_notices_issuer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_notices")),
        sa.UniqueConstraint("number", name=op.f("uq_supervision_notices_number")),
        sa.UniqueConstraint("year", "seq", name=op.f("uq_supervision_notices_year")),
    )
    with op.batch_alter_table("supervision_notices") as b:
        for col in ("village_id", "village_code", "issuer_id", "deadline", "status", "created_by_id", "deleted_at"):
            b.create_index(b.f(f"ix_supervision_notices_{col}"), [col], unique=False)

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("scope_code", sa.String(length=12), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=40), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["supervision_notices.id"],
                                name=op.f("fk_outbox_messages_notice_id_supervision_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_outbox_messages_dedup_key")),
    )
    with op.batch_alter_table("outbox_messages") as b:
        for col in ("notice_id", "scope_code", "status"):
            b.create_index(b.f(f"ix_outbox_messages_{col}"), [col], unique=False)

    op.create_table(
        "ranking_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("area_name", sa.String(length=100), nullable=False),
        sa.Column("parent_name", sa.String(length=100), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("score_rank", sa.Integer(), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("closed_on_time", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("on_time_rate", sa.Float(), nullable=True),
        sa.Column("on_time_rank", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("frozen_by", sa.String(length=60), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_snapshots")),
        sa.UniqueConstraint("month", "level", "area_code", name=op.f("uq_ranking_snapshots_month")),
    )
    with op.batch_alter_table("ranking_snapshots") as b:
        for col in ("month", "area_code"):
            b.create_index(b.f(f"ix_ranking_snapshots_{col}"), [col], unique=False)


def downgrade() -> None:
    op.drop_table("ranking_snapshots")
    op.drop_table("outbox_messages")
    op.drop_table("supervision_notices")
