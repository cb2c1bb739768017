"""An IO manager that stores every table as Parquet under ``$ISCO_DATA_DIR/tables``.

One file per asset (``tables/<asset>.parquet``), or one per partition
(``tables/<asset>/<partition>.parquet``), so users can query the store with DuckDB or pandas:
``SELECT * FROM 'data/tables/job_posts.parquet'``. Partitioned assets return a dict of
partition key to frame, which lets a single-run backfill write many partitions at once.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from isco_assets.lib.common.storage import atomic_write


def _write(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    atomic_write(path, lambda partial: pq.write_table(table, partial))  # readers never see a half-written table


def read_table(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


class ParquetIOManager(dg.ConfigurableIOManager):
    base_dir: str

    def _path(self, key: dg.AssetKey, partition: str | None = None) -> Path:
        base = Path(self.base_dir).joinpath(*key.path)
        return base / f"{partition}.parquet" if partition is not None else base.with_suffix(".parquet")

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | dict[str, pd.DataFrame]) -> None:
        if context.has_asset_partitions:
            if not isinstance(obj, dict):
                raise TypeError(f"{context.asset_key.to_user_string()}: a partitioned asset returns "
                                "{partition_key: DataFrame}")
            for partition, frame in obj.items():
                self.store(context.asset_key, frame, partition)
            return
        self.store(context.asset_key, obj)

    def store(self, key: dg.AssetKey, frame: pd.DataFrame, partition: str | None = None) -> None:
        """Write one table where ``load_input`` finds it; for assets that report each partition themselves."""
        _write(frame, self._path(key, partition))

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        key = context.asset_key
        if not context.has_asset_partitions:
            return read_table(self._path(key))
        frames = []
        for partition in context.asset_partition_keys:
            path = self._path(key, partition)
            if path.exists():
                frames.append(read_table(path))
            else:
                context.log.warning(f"{key.to_user_string()}[{partition}] has no stored table; skipped")
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)
