"""Which hazards each kind of planned statement has: the one table the builders take them from.

A row is a kind of statement the planner emits, with the hazards it carries (the names are
``auditor.hazards``' vocabulary) and, in its comment, what it is. A few rows are added to another
one's (``unique_index``, ``replace_view``); a statement that replaces something (an index, a
constraint, a foreign key) carries the hazards of the drop as well as its own, and a SQLite
rebuild carries those of every change it makes besides its own row. The README's hazard table
says the same per hazard; tests/test_hazard_table.py holds the two together.
"""
from __future__ import annotations

from auditor.hazards import (
    ACQUIRES_ACCESS_EXCLUSIVE_LOCK, ACQUIRES_SHARE_LOCK, BACKWARD_INCOMPATIBLE, DELETES_DATA, INDEX_BUILD,
    INDEX_DROPPED, MAY_FAIL_ON_EXISTING_DATA, TABLE_REWRITE)

STATEMENT_HAZARDS: dict[str, tuple[str, ...]] = {
    # Tables, schemas, comments
    "create_schema": (),  # CREATE SCHEMA IF NOT EXISTS
    "create_table": (),  # CREATE TABLE: a new table has no rows
    "new_table_index": (),  # an index of a table this plan creates: built over no rows
    "new_table_foreign_key": (),  # a foreign key of a table this plan creates: no rows to check
    "drop_table": (DELETES_DATA, BACKWARD_INCOMPATIBLE),  # DROP TABLE
    "rename_table": (BACKWARD_INCOMPATIBLE,),  # ALTER TABLE ... RENAME TO
    "comment": (),  # COMMENT ON TABLE, COLUMN or INDEX
    "manual": (),  # what no engine does in place: a comment saying why, never run
    # Columns
    "add_column": (),  # ADD COLUMN, nullable or with a constant default: a catalog change
    "add_column_not_null": (MAY_FAIL_ON_EXISTING_DATA,),  # ADD COLUMN NOT NULL without a default
    # ADD COLUMN with a volatile default, an identity or a stored generated column: every row gets its own value
    "add_column_volatile": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE),
    "drop_column": (DELETES_DATA, BACKWARD_INCOMPATIBLE),  # DROP COLUMN
    "rename_column": (BACKWARD_INCOMPATIBLE,),  # RENAME COLUMN
    # ALTER COLUMN ... TYPE: a scan and rewrite under the lock; values may not cast
    "type_change": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE, MAY_FAIL_ON_EXISTING_DATA),
    # added to a type change that can alter or lose values (rounded, cut, or failing to parse)
    "lossy_type_change": (DELETES_DATA,),
    "widening_type_change": (),  # a longer varchar, or text: Postgres changes only the catalog
    "collation_change": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE),  # ALTER COLUMN ... TYPE ... COLLATE
    "set_not_null": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, MAY_FAIL_ON_EXISTING_DATA),  # SET NOT NULL: a scan under the lock
    "drop_not_null": (),  # DROP NOT NULL
    # DROP NOT NULL of a column leaving the primary key: held back with the key change it waits for
    "drop_not_null_leaving_key": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, INDEX_BUILD, INDEX_DROPPED,
                                  MAY_FAIL_ON_EXISTING_DATA),
    "set_default": (),  # SET DEFAULT or DROP DEFAULT
    # a new default that fits only the new type: held back with the type change it waits for
    "set_default_with_type_change": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE, MAY_FAIL_ON_EXISTING_DATA),
    "add_identity": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK,),  # ADD GENERATED ... AS IDENTITY, its sequence set past the rows
    "change_identity": (),  # SET GENERATED ALWAYS or BY DEFAULT
    "drop_identity": (BACKWARD_INCOMPATIBLE,),  # DROP IDENTITY: an insert that left the value to it gets none
    "drop_expression": (),  # DROP EXPRESSION: a generated column becomes a plain one
    "change_generated_expression": (TABLE_REWRITE,),  # a new generation expression: only a SQLite rebuild can
    # Keys and constraints
    # the primary key dropped and added again (or, on SQLite, any key change: in the rebuild)
    "replace_primary_key": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, INDEX_BUILD, INDEX_DROPPED, MAY_FAIL_ON_EXISTING_DATA),
    "add_primary_key": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, INDEX_BUILD, MAY_FAIL_ON_EXISTING_DATA),  # where none was
    "drop_primary_key": (INDEX_DROPPED, BACKWARD_INCOMPATIBLE),  # where the spec has none
    "add_unique": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, INDEX_BUILD, MAY_FAIL_ON_EXISTING_DATA),  # ADD CONSTRAINT ... UNIQUE
    "drop_unique": (BACKWARD_INCOMPATIBLE, INDEX_DROPPED),  # DROP CONSTRAINT of a unique constraint
    "add_check_not_valid": (MAY_FAIL_ON_EXISTING_DATA,),  # ADD CONSTRAINT ... CHECK NOT VALID (SQLite: in the rebuild)
    "drop_check": (BACKWARD_INCOMPATIBLE,),  # DROP CONSTRAINT of a check
    # ADD CONSTRAINT ... FOREIGN KEY NOT VALID (SQLite: in the rebuild)
    "add_foreign_key_not_valid": (MAY_FAIL_ON_EXISTING_DATA,),
    "drop_foreign_key": (BACKWARD_INCOMPATIBLE,),  # DROP CONSTRAINT of a foreign key
    "validate_constraint": (MAY_FAIL_ON_EXISTING_DATA,),  # VALIDATE CONSTRAINT, in a transaction of its own
    # Indexes
    "create_index": (ACQUIRES_SHARE_LOCK, INDEX_BUILD),  # a plain CREATE INDEX on Postgres: writes wait for the build
    "create_index_concurrently": (INDEX_BUILD,),  # CREATE INDEX CONCURRENTLY: reads and writes go on
    "create_index_no_concurrent_form": (INDEX_BUILD,),  # CREATE INDEX where the engine has no other (SQLite)
    "create_index_on_empty_table": (),  # a plain CREATE INDEX on a Postgres table without rows: nothing to wait for
    # an index of a materialized view this plan creates: built over its rows, which nothing reads yet
    "new_view_index": (INDEX_BUILD,),
    "unique_index": (MAY_FAIL_ON_EXISTING_DATA,),  # added to a unique index's build: repeated values fail it
    "drop_index": (INDEX_DROPPED, ACQUIRES_ACCESS_EXCLUSIVE_LOCK),  # a plain DROP INDEX on Postgres
    "drop_index_concurrently": (INDEX_DROPPED,),  # DROP INDEX CONCURRENTLY
    "drop_index_no_concurrent_form": (INDEX_DROPPED,),  # DROP INDEX where the engine has no other (SQLite)
    # Enums, views, sequences, extensions
    "create_enum": (),  # CREATE TYPE ... AS ENUM
    "add_enum_value": (),  # ALTER TYPE ... ADD VALUE
    "drop_enum": (BACKWARD_INCOMPATIBLE,),  # DROP TYPE
    "create_view": (),  # CREATE [OR REPLACE | MATERIALIZED] VIEW
    "drop_view": (BACKWARD_INCOMPATIBLE,),  # DROP [MATERIALIZED] VIEW
    "replace_view": (BACKWARD_INCOMPATIBLE,),  # added to each statement of a view dropped and created anew
    "create_sequence": (),  # CREATE SEQUENCE
    "sequence_owner": (),  # ALTER SEQUENCE ... OWNED BY: dropping that column then drops the sequence
    "alter_sequence": (MAY_FAIL_ON_EXISTING_DATA,),  # ALTER SEQUENCE: fails if the current value is out of bounds
    "drop_sequence": (DELETES_DATA, BACKWARD_INCOMPATIBLE),  # DROP SEQUENCE: its current value goes
    "create_extension": (),  # CREATE EXTENSION
    # ALTER EXTENSION ... SET SCHEMA: SQL naming its objects by the old schema (or finding them on
    # the search_path there) no longer finds them
    "move_extension": (BACKWARD_INCOMPATIBLE,),
    "drop_extension": (DELETES_DATA, BACKWARD_INCOMPATIBLE),  # DROP EXTENSION
    # Functions and procedures
    "function_settings": (),  # SET LOCAL check_function_bodies = off, for the plan's transaction
    "create_function": (),  # CREATE OR REPLACE FUNCTION or PROCEDURE: a new body runs from the next call
    # DROP FUNCTION or PROCEDURE (also before one whose signature changes is made again): callers
    # fail; refused while a view, trigger, default, check, index or policy uses it
    "drop_function": (BACKWARD_INCOMPATIBLE,),
    # REINDEX of an index that calls an IMMUTABLE function whose body changed: writes wait for the build
    "reindex": (ACQUIRES_SHARE_LOCK, INDEX_BUILD),
    # Domains, composite types and exclusion constraints
    "create_domain": (),  # CREATE DOMAIN
    "domain_default": (),  # ALTER DOMAIN ... SET DEFAULT or DROP DEFAULT: for rows inserted from then on
    "domain_set_not_null": (MAY_FAIL_ON_EXISTING_DATA,),  # ALTER DOMAIN ... SET NOT NULL: every column of it is scanned
    "domain_drop_not_null": (),  # ALTER DOMAIN ... DROP NOT NULL
    # ALTER DOMAIN ... ADD CONSTRAINT ... CHECK NOT VALID, then VALIDATE (validate_constraint)
    "add_domain_check_not_valid": (MAY_FAIL_ON_EXISTING_DATA,),
    # ALTER DOMAIN ... ADD CONSTRAINT ... CHECK of a domain this plan creates (its check calls a spec function)
    "add_domain_check": (),
    "drop_domain_check": (BACKWARD_INCOMPATIBLE,),  # ALTER DOMAIN ... DROP CONSTRAINT
    "drop_domain": (BACKWARD_INCOMPATIBLE,),  # DROP DOMAIN: refused while a column uses it
    "create_composite_type": (),  # CREATE TYPE ... AS (...)
    "add_attribute": (),  # ALTER TYPE ... ADD ATTRIBUTE: at the end, NULL in every value
    "drop_attribute": (DELETES_DATA, BACKWARD_INCOMPATIBLE),  # ALTER TYPE ... DROP ATTRIBUTE: its values go
    # ALTER TYPE ... ALTER ATTRIBUTE ... TYPE: refused while a table's column has the type
    "alter_attribute_type": (BACKWARD_INCOMPATIBLE, MAY_FAIL_ON_EXISTING_DATA),
    "drop_composite_type": (BACKWARD_INCOMPATIBLE,),  # DROP TYPE of a composite type: refused while used
    "create_range_type": (),  # CREATE TYPE ... AS RANGE
    "drop_range_type": (BACKWARD_INCOMPATIBLE,),  # DROP TYPE of a range type (and its multirange): refused while used
    # ADD CONSTRAINT ... EXCLUDE: its index is built under the lock; conflicting rows fail it
    "add_exclusion": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, INDEX_BUILD, MAY_FAIL_ON_EXISTING_DATA),
    "drop_exclusion": (BACKWARD_INCOMPATIBLE, INDEX_DROPPED),  # DROP CONSTRAINT of an exclusion constraint
    # Triggers, row-level security and policies
    "create_trigger": (),  # CREATE TRIGGER, where it is not there yet: fires from the next write
    "replace_trigger": (),  # CREATE OR REPLACE TRIGGER, or DROP and CREATE in one transaction
    "enable_trigger": (),  # ALTER TABLE ... ENABLE / DISABLE [REPLICA | ALWAYS] TRIGGER
    "drop_trigger": (BACKWARD_INCOMPATIBLE,),  # DROP TRIGGER: what it did on each write is no longer done
    # ENABLE or FORCE ROW LEVEL SECURITY where the table has a permissive policy (the policies decide),
    # or on a table the plan creates (no rows, no readers yet)
    "enable_row_security": (),
    # ENABLE or FORCE ROW LEVEL SECURITY without a permissive policy: every row is hidden from the
    # roles it applies to (all but the owner; the owner too when forced)
    "enable_row_security_no_policy": (BACKWARD_INCOMPATIBLE,),
    "disable_row_security": (),  # DISABLE or NO FORCE ROW LEVEL SECURITY
    "create_policy": (),  # CREATE POLICY, where it is not there yet
    "replace_policy": (),  # ALTER POLICY, or DROP and CREATE POLICY in one transaction
    "drop_policy": (BACKWARD_INCOMPATIBLE,),  # DROP POLICY: under row-level security, rows it let through are hidden
    # Grants and owners
    "grant": (),  # GRANT: the role may do more
    "revoke": (BACKWARD_INCOMPATIBLE,),  # REVOKE: what the role did with the privilege now fails
    "revoke_from_new": (),  # REVOKE on an object this plan makes (PUBLIC's EXECUTE): no one used it
    # ALTER TABLE / VIEW / SEQUENCE ... OWNER TO: a brief ACCESS EXCLUSIVE lock; the old owner
    # keeps none of its rights, the new one takes its privileges
    "alter_relation_owner": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK,),
    "alter_owner": (),  # OWNER TO of a function, procedure or schema, or of an object this plan makes
    # Partitions and inheritance children
    "create_partition": (),  # CREATE TABLE ... PARTITION OF / INHERITS: a new table has no rows
    # ATTACH PARTITION: the partition is locked and scanned for rows outside its bounds (and a
    # default partition for rows that now belong to it)
    "attach_partition": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, MAY_FAIL_ON_EXISTING_DATA),
    "detach_partition": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, BACKWARD_INCOMPATIBLE),  # its rows leave the parent
    "inherit": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, MAY_FAIL_ON_EXISTING_DATA),  # INHERIT: columns and checks must match
    "no_inherit": (BACKWARD_INCOMPATIBLE,),  # NO INHERIT: the child's rows leave the parent's queries
    # SQLite table rebuilds, besides the hazards of every change the rebuild makes: the copy holds
    # SQLite's write lock throughout, and readers wait once it spills to the file
    "rebuild_table": (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE),
    # a SQLite table made STRICT or WITHOUT ROWID, or no longer so (in the rebuild): STRICT refuses
    # values of another type, WITHOUT ROWID a NULL key, and queries that read the rowid lose it
    "change_table_kind": (MAY_FAIL_ON_EXISTING_DATA, BACKWARD_INCOMPATIBLE),
}


def hazards_of(*kinds: str) -> tuple[str, ...]:
    """The hazards of a statement of these kinds (their rows together); KeyError names a kind
    the table does not have."""
    return tuple(hazard for kind in kinds for hazard in STATEMENT_HAZARDS[kind])
