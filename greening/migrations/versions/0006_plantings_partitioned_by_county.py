"""plantings partitioned by county on PostGIS

On PostgreSQL the plantings table becomes a partitioned table: ``PARTITION BY RANGE
(claimed_village_code)``, one partition per county (the codes from ``440823`` up to, not
including, ``440824``) and a DEFAULT partition for codes of counties that have no partition yet,
so an insert never fails for want of one. docs/database.md says why the county and not the
province.

PostgreSQL only allows primary keys and unique constraints that include the partition key, so the
two guarantees that were keys of the old table get an unpartitioned table of their own,
``planting_submissions (planting_id PRIMARY KEY, submission_id UNIQUE)``, kept by triggers on
plantings in the same statement (so the same transaction) as every insert, update and delete:

- a submission id is stored once across all partitions (a replay or a concurrent duplicate fails
  on ``uq_planting_submissions_submission_id``, an IntegrityError as before);
- a planting id is unique across all partitions, and photos and care checks reference it through
  ``planting_submissions.planting_id`` (a planting with photos or checks still cannot be deleted).

A planting whose claimed village moves to another county moves partition (an UPDATE of the key,
PostgreSQL 11+): the row triggers see a delete and an insert of the same id and keep its
submission row. ``plantings_add_county_partition(county)`` makes a county's partition and moves its
rows out of the default partition; the migration calls it for every county in ``admin_areas``, and
the app calls it when boundaries or the demo bring new counties (greening/county_partitions.py).

SpatiaLite keeps one ordinary table with its own keys: nothing changes there.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_INDEXES = [  # (name, column) of the btree indexes of plantings, as in 0001
    ("ix_plantings_claimed_village_code", "claimed_village_code"),
    ("ix_plantings_claimed_village_id", "claimed_village_id"),
    ("ix_plantings_created_by_id", "created_by_id"),
    ("ix_plantings_deleted_at", "deleted_at"),
    ("ix_plantings_planted_on", "planted_on"),
    ("ix_plantings_species_id", "species_id"),
    ("ix_plantings_status", "status"),
    ("ix_plantings_team_id", "team_id"),
    ("ix_plantings_village_code", "village_code"),
    ("ix_plantings_village_id", "village_id"),
]
_FOREIGN_KEYS = [  # (name, column, referenced table) of plantings' own foreign keys, as in 0001
    ("fk_plantings_claimed_village_id_admin_areas", "claimed_village_id", "admin_areas"),
    ("fk_plantings_reviewed_by_id_users", "reviewed_by_id", "users"),
    ("fk_plantings_species_id_species", "species_id", "species"),
    ("fk_plantings_team_id_greening_teams", "team_id", "greening_teams"),
    ("fk_plantings_village_id_admin_areas", "village_id", "admin_areas"),
]
_REFERENCING = ("photos", "care_checks")  # the tables whose planting_id references a planting

_ADD_PARTITION = r"""
CREATE FUNCTION plantings_add_county_partition(county text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    part text := 'plantings_c' || county;
    upper_bound text;
    moving boolean;
BEGIN
    IF county IS NULL OR county !~ '^[0-9]{6}$' THEN
        RAISE EXCEPTION 'a county partition needs a 6-digit county prefix, not %', county
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    upper_bound := lpad((county::bigint + 1)::text, 6, '0');  -- 440823 -> 440824 (999999 -> 1000000)
    -- Rows of this county that waited in the default partition move to the new one; the
    -- triggers keep their planting_submissions rows while they are out (greening.moving_partition).
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM plantings_default WHERE claimed_village_code >= $1 '
            'AND claimed_village_code < $2)' INTO moving USING county, upper_bound;
    IF moving THEN
        PERFORM set_config('greening.moving_partition', 'on', true);
        CREATE TEMP TABLE plantings_moving (LIKE plantings) ON COMMIT DROP;
        EXECUTE 'WITH moved AS (DELETE FROM plantings_default WHERE claimed_village_code >= $1 '
                'AND claimed_village_code < $2 RETURNING *) INSERT INTO plantings_moving SELECT * FROM moved'
            USING county, upper_bound;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF plantings FOR VALUES FROM (%L) TO (%L)',
                   part, county, upper_bound);
    IF moving THEN
        INSERT INTO plantings SELECT * FROM plantings_moving;
        DROP TABLE plantings_moving;
        PERFORM set_config('greening.moving_partition', 'off', true);
    END IF;
    RETURN true;
END
$$
"""

_KEEP_SUBMISSION = r"""
CREATE FUNCTION plantings_keep_submission() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- A row moving to another partition is deleted and inserted again under the same id:
        -- its submission row stays (the new row is already visible here).
        IF current_setting('greening.moving_partition', true) IS DISTINCT FROM 'on'
           AND NOT EXISTS (SELECT 1 FROM plantings WHERE id = OLD.id) THEN
            DELETE FROM planting_submissions WHERE planting_id = OLD.id;
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id IS DISTINCT FROM OLD.id OR NEW.submission_id IS DISTINCT FROM OLD.submission_id THEN
            UPDATE planting_submissions SET planting_id = NEW.id, submission_id = NEW.submission_id
             WHERE planting_id = OLD.id;
        END IF;
        RETURN NULL;
    END IF;
    INSERT INTO planting_submissions (planting_id, submission_id) VALUES (NEW.id, NEW.submission_id)
        ON CONFLICT (planting_id) DO NOTHING;
    IF NOT FOUND THEN
        -- The id has a submission row: the same planting moved partition, unless another
        -- partition holds a second row with this id.
        IF (SELECT count(*) FROM plantings WHERE id = NEW.id) > 1 THEN
            RAISE EXCEPTION 'duplicate planting id %', NEW.id USING ERRCODE = 'unique_violation',
                CONSTRAINT = 'pk_planting_submissions';
        END IF;
        UPDATE planting_submissions SET submission_id = NEW.submission_id
         WHERE planting_id = NEW.id AND submission_id IS DISTINCT FROM NEW.submission_id;
    END IF;
    RETURN NULL;
END
$$
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _own_keys_and_indexes(table_is_partitioned: bool) -> None:
    """The primary key, foreign keys and indexes of a new plantings table (made without them).

    Built with Alembic's operations (names and columns are this module's own constants)."""
    key = ["id", "claimed_village_code"] if table_is_partitioned else ["id"]
    op.create_primary_key("pk_plantings", "plantings", key)
    if table_is_partitioned:
        # not unique (planting_submissions is): a replay is still found by an index probe per partition
        op.create_index("ix_plantings_submission_id", "plantings", ["submission_id"])
    else:
        op.create_unique_constraint("uq_plantings_submission_id", "plantings", ["submission_id"])
    for name, column, target in _FOREIGN_KEYS:
        op.create_foreign_key(name, "plantings", target, [column], ["id"])
    for name, column in _INDEXES:
        op.create_index(name, "plantings", [column])
    op.execute("CREATE INDEX idx_plantings_location ON plantings USING gist (location)")
    op.execute("ALTER SEQUENCE plantings_id_seq OWNED BY plantings.id")


def _point_references_at(target: str, old: str) -> None:
    for table in _REFERENCING:
        op.drop_constraint(f"fk_{table}_planting_id_{old}", table, type_="foreignkey")
        op.create_foreign_key(f"fk_{table}_planting_id_{target}", table, target, ["planting_id"],
                              ["id" if target == "plantings" else "planting_id"])


def upgrade() -> None:
    if not _postgres():
        return  # SpatiaLite keeps one table, with its own keys
    op.execute("CREATE TABLE planting_submissions ("
               "planting_id integer NOT NULL CONSTRAINT pk_planting_submissions PRIMARY KEY, "
               "submission_id varchar(64) NOT NULL CONSTRAINT uq_planting_submissions_submission_id UNIQUE)")
    op.execute("INSERT INTO planting_submissions (planting_id, submission_id) SELECT id, submission_id FROM plantings")
    _point_references_at("planting_submissions", "plantings")

    op.execute("ALTER TABLE plantings RENAME TO plantings_unpartitioned")
    op.execute("ALTER SEQUENCE plantings_id_seq OWNED BY NONE")
    op.execute("CREATE TABLE plantings (LIKE plantings_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
               "PARTITION BY RANGE (claimed_village_code)")
    op.execute("CREATE TABLE plantings_default PARTITION OF plantings DEFAULT")
    op.execute(_ADD_PARTITION)
    op.execute("SELECT plantings_add_county_partition(county) FROM ("
               "SELECT DISTINCT substr(code, 1, 6) AS county FROM admin_areas "
               "WHERE level <> 'city' AND code ~ '^[0-9]{12}$' "
               "UNION SELECT substr(claimed_village_code, 1, 6) FROM plantings_unpartitioned "
               "WHERE claimed_village_code ~ '^[0-9]{12}$') AS counties ORDER BY county")
    op.execute("INSERT INTO plantings SELECT * FROM plantings_unpartitioned")
    op.execute("DROP TABLE plantings_unpartitioned")
    _own_keys_and_indexes(table_is_partitioned=True)

    op.execute(_KEEP_SUBMISSION)
    op.execute("CREATE TRIGGER plantings_keep_submission AFTER INSERT OR DELETE OR UPDATE OF id, submission_id "
               "ON plantings FOR EACH ROW EXECUTE FUNCTION plantings_keep_submission()")
    op.execute("ANALYZE plantings")
    op.execute("ANALYZE planting_submissions")


def downgrade() -> None:
    if not _postgres():
        return
    op.execute("DROP TRIGGER plantings_keep_submission ON plantings")
    op.execute("ALTER TABLE plantings RENAME TO plantings_partitioned")
    op.execute("ALTER SEQUENCE plantings_id_seq OWNED BY NONE")
    op.execute("CREATE TABLE plantings (LIKE plantings_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    op.execute("INSERT INTO plantings SELECT * FROM plantings_partitioned ORDER BY id")
    op.execute("DROP TABLE plantings_partitioned")  # and its partitions
    _own_keys_and_indexes(table_is_partitioned=False)
    _point_references_at("plantings", "planting_submissions")
    op.execute("DROP TABLE planting_submissions")
    op.execute("DROP FUNCTION plantings_keep_submission()")
    op.execute("DROP FUNCTION plantings_add_county_partition(text)")
