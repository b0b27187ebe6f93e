"""The only statements `mlzone predictions query` runs: one SELECT that reads the prediction log alone.

DuckDB's own parser decides (`json_serialize_sql`), so a write, a second statement, a table function
(`read_csv('/etc/passwd')`) or any table other than `predictions` and the query's own CTEs is refused
before anything runs, locally and before a query is sent to Athena.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb

from mlzone.errors import INVALID, Failure

TABLE = "predictions"


class QueryError(Failure):
    """The statement is not a read of the prediction log (bad input, exit 2)."""

    code = INVALID


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for v in tree.values():
            yield from _nodes(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from _nodes(v)


def check(sql: str) -> None:
    """Raise QueryError unless `sql` is exactly one SELECT over `predictions` (and its own CTEs)."""
    parsed = json.loads(duckdb.connect().execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0])
    statements = parsed.get("statements", [])
    if parsed.get("error") or len(statements) != 1:
        detail = parsed.get("error_message") or "only one SELECT statement is run"
        raise QueryError(f"not a single SELECT: {detail}; fix: query the table {TABLE!r} with one SELECT")
    nodes = list(_nodes(statements[0]))
    ctes = {entry["key"].lower() for n in nodes for entry in (n.get("cte_map") or {}).get("map", [])}
    for n in nodes:
        if n.get("type") == "TABLE_FUNCTION":
            raise QueryError(f"table functions are not allowed; fix: read only the table {TABLE!r}")
        qualified = n.get("schema_name") or n.get("catalog_name")
        if n.get("type") == "BASE_TABLE" and (qualified or n["table_name"].lower() not in {TABLE, *ctes}):
            raise QueryError(
                f"table {n['table_name']!r} is outside the prediction log; fix: read only the table {TABLE!r}"
            )
