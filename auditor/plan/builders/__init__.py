"""The builders: one function per drift kind, turning a drift item into the statements that fix
it. ``BUILDERS`` is the one registry of them."""
from __future__ import annotations

from typing import Callable

from auditor.diff import DriftItem
from auditor.plan.builders import (
    columns, constraints, functions, indexes, objects, partitions, tables, triggers, types)
from auditor.plan.model import Context, Statement

Builder = Callable[[DriftItem, Context], list[Statement]]

BUILDERS: dict[str, Builder] = {
    "missing_table": tables.missing_table,
    "extra_table": tables.extra_table,
    "renamed_table": tables.renamed_table,
    "missing_column": columns.missing_column,
    "extra_column": columns.extra_column,
    "renamed_column": columns.renamed_column,
    "type_mismatch": columns.alter_column(columns.type_clauses),
    "nullable_mismatch": columns.alter_column(columns.nullable_clauses),
    "default_mismatch": columns.alter_column(columns.default_clauses),
    "identity_mismatch": columns.identity,
    "generated_mismatch": columns.alter_column(columns.generated_clauses),
    "collation_mismatch": columns.alter_column(columns.collation_clauses),
    "comment_mismatch": tables.comment,
    "primary_key_mismatch": constraints.primary_key,
    "missing_unique": constraints.add_unique,
    "extra_unique": constraints.drop_named_constraint,
    "unique_mismatch": constraints.replace_constraint(constraints.add_unique),
    "missing_check": constraints.add_check,
    "extra_check": constraints.drop_named_constraint,
    "check_mismatch": constraints.replace_constraint(constraints.add_check),
    "missing_index": indexes.missing_index,
    "extra_index": indexes.extra_index,
    "index_mismatch": indexes.index_mismatch,
    "missing_foreign_key": constraints.missing_foreign_key,
    "extra_foreign_key": constraints.extra_foreign_key,
    "foreign_key_mismatch": constraints.foreign_key_mismatch,
    "constraint_not_validated": constraints.not_validated,
    "partition_mismatch": partitions.partition_mismatch,
    "missing_schema": objects.missing_schema,
    "table_kind_mismatch": tables.table_kind,
    "missing_enum": objects.missing_enum,
    "extra_enum": objects.extra_enum,
    "enum_values_mismatch": objects.enum_values,
    "missing_view": objects.missing_view,
    "extra_view": objects.extra_view,
    "view_mismatch": objects.view_mismatch,
    "missing_sequence": objects.missing_sequence,
    "extra_sequence": objects.extra_sequence,
    "sequence_mismatch": objects.sequence_mismatch,
    "missing_extension": objects.missing_extension,
    "extra_extension": objects.extra_extension,
    "missing_function": functions.missing_function,
    "extra_function": functions.extra_function,
    "function_mismatch": functions.function_mismatch,
    "missing_domain": types.missing_domain,
    "extra_domain": types.extra_domain,
    "domain_mismatch": types.domain_mismatch,
    "missing_composite_type": types.missing_composite_type,
    "extra_composite_type": types.extra_composite_type,
    "composite_type_mismatch": types.composite_type_mismatch,
    "missing_exclusion": types.missing_exclusion,
    "extra_exclusion": types.extra_exclusion,
    "exclusion_mismatch": types.exclusion_mismatch,
    "missing_range_type": types.missing_range_type,
    "extra_range_type": types.extra_range_type,
    "range_type_mismatch": types.range_type_mismatch,
    "missing_trigger": triggers.missing_trigger,
    "extra_trigger": triggers.extra_trigger,
    "trigger_mismatch": triggers.trigger_mismatch,
    "trigger_enabled_mismatch": triggers.trigger_enabled,
    "row_security_mismatch": triggers.row_security,
    "missing_policy": triggers.missing_policy,
    "extra_policy": triggers.extra_policy,
    "policy_mismatch": triggers.policy_mismatch,
}
