"""How the import's per-batch Polars queries run."""

from __future__ import annotations

from typing import Any

import polars as pl

# A batch is a few tens of thousands of rows: the in-memory engine has less overhead than the
# streaming one, and the query is written as it should run, so it is not re-planned per batch.
BATCH_COLLECT: dict[str, Any] = {"engine": "in-memory", "optimizations": pl.QueryOptFlags.none()}
