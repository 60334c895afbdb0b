"""raster layers and village green cover

Land-cover / canopy rasters with their provenance, and the green cover computed per village on
each of them (derived rows, replaced when a raster is recomputed).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raster_layers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("original_name", sa.String(length=300), nullable=False),
        sa.Column("stored_name", sa.String(length=120), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("crs", sa.String(length=80), nullable=False),
        sa.Column("crs_name", sa.String(length=200), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("res_x", sa.Float(), nullable=False),
        sa.Column("res_y", sa.Float(), nullable=False),
        sa.Column("res_m", sa.Float(), nullable=False),
        sa.Column("dtype", sa.String(length=12), nullable=False),
        sa.Column("nodata", sa.Float(), nullable=False),
        sa.Column("bounds", sa.JSON(), nullable=False),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("overlay_name", sa.String(length=120), nullable=True),
        sa.Column("overlay_bounds", sa.JSON(), nullable=True),
        sa.Column("villages_computed", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raster_layers")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_raster_layers_stored_name")),
    )
    with op.batch_alter_table("raster_layers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_raster_layers_year"), ["year"], unique=False)
        batch_op.create_index(batch_op.f("ix_raster_layers_deleted_at"), ["deleted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_raster_layers_created_by_id"), ["created_by_id"], unique=False)
    op.create_table(
        "village_green_cover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("observed_m2", sa.Float(), nullable=False),
        sa.Column("tree_m2", sa.Float(), nullable=False),
        sa.Column("shrub_m2", sa.Float(), nullable=True),
        sa.Column("green_m2", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["layer_id"], ["raster_layers.id"],
                                name=op.f("fk_village_green_cover_layer_id_raster_layers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_green_cover")),
        sa.UniqueConstraint("layer_id", "village_code", name=op.f("uq_village_green_cover_layer_id")),
    )
    with op.batch_alter_table("village_green_cover", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_village_green_cover_layer_id"), ["layer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_village_green_cover_village_code"), ["village_code"], unique=False)


def downgrade() -> None:
    op.drop_table("village_green_cover")
    op.drop_table("raster_layers")
