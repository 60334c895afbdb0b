"""one survival check per planting and day

A survival check (成活率核查) is the count of a planting's trees alive at one visit; a second one
for the same planting on the same day is that visit sent again (another phone, or the form
submitted again with a new submission id). The partial unique index
``uq_care_checks_survival_day (planting_id, checked_on) WHERE kind = 'survival' AND deleted_at IS
NULL`` keeps one, across every session and process; care visits (管护) are not limited.

Checks stored twice before this revision: of each planting's survival checks of one day, the last
stored (highest id: the one the survival figures already counted) stays, the others are marked
deleted (``deleted_at``), not removed. Downgrade drops the index and leaves the marks.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_WHERE = "kind = 'survival' AND deleted_at IS NULL"  # as greening.models.planting.SURVIVAL_DAY_WHERE

_MARK_EARLIER = f"""
UPDATE care_checks SET deleted_at = CURRENT_TIMESTAMP, version = version + 1
WHERE {_WHERE} AND EXISTS (
    SELECT 1 FROM care_checks later
    WHERE later.planting_id = care_checks.planting_id AND later.checked_on = care_checks.checked_on
      AND later.kind = 'survival' AND later.deleted_at IS NULL AND later.id > care_checks.id)
"""


def upgrade() -> None:
    op.execute(_MARK_EARLIER)
    op.create_index("uq_care_checks_survival_day", "care_checks", ["planting_id", "checked_on"], unique=True,
                    sqlite_where=sa.text(_WHERE), postgresql_where=sa.text(_WHERE))


def downgrade() -> None:
    op.drop_index("uq_care_checks_survival_day", table_name="care_checks")
