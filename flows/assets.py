"""DuckDB tables as Prefect assets, so the UI can show which run materialized which table."""

from __future__ import annotations

from pathlib import Path

from prefect.assets import Asset, AssetProperties
from prefect.types.names import RESTRICTED_ASSET_CHARACTERS


def table_asset(db_path: str, table: str) -> Asset:
    """The Prefect asset for one DuckDB table: `duckdb://<absolute file path>/<table>`.

    Characters that asset keys refuse (spaces, '%', '#', ...) become '_': the key only serves lineage in the
    UI and must never fail a run. Knowingly missed: two paths differing only in such characters share a key.
    """
    path = str(Path(db_path).resolve()).lstrip("/")
    safe = "".join("_" if ch in _ASSET_KEY_REFUSED else ch for ch in path)
    return Asset(
        key=f"duckdb:///{safe}/{table}",
        properties=AssetProperties(
            name=f"{table} ({Path(db_path).name})", description=f"wenji table {table}"
        ),
    )


# What Prefect refuses in asset keys, plus the ':' of Windows drive letters.
_ASSET_KEY_REFUSED = frozenset([*RESTRICTED_ASSET_CHARACTERS, ":"])
