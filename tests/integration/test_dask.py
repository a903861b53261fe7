"""The flow on a Dask cluster (2 worker processes) writes the same tables as with local worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from wenji.tasks.db import open_db
from wenji.tasks.settings import load_settings

pytestmark = pytest.mark.slow

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"

# Everything a run derives from the pages, without run ids and timestamps.
SNAPSHOT = {
    "pages": "SELECT page_id, url, content_hash, encoding, n_documents FROM pages ORDER BY page_id",
    "documents": "SELECT doc_id, title, text, n_paragraphs, n_sentences, n_tokens FROM documents "
    "ORDER BY doc_id",
    "sentences": "SELECT doc_id, sentence_no, text, words, pos FROM sentences ORDER BY doc_id, sentence_no",
    "keywords": "SELECT doc_id, method, rank, word FROM keywords ORDER BY doc_id, method, rank",
    "errors": "SELECT url, stage, kind FROM errors ORDER BY url, stage, kind",
}


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    with open_db(db, read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in SNAPSHOT.items()}


def test_dask_cluster_writes_the_same_tables(prefect_api: str, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from wenji.flows.etl import etl, run_etl

    # The saved pages of the sample site: the same bytes for both runs, no network.
    settings = load_settings(None, db_path=str(tmp_path / "local.duckdb"), batch_size=6)
    local = run_etl([str(SAMPLE_SITE)], settings)
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        # As a deployment's run does (a `prefect worker`, `wenji serve`): the flow with a config file's
        # path as parameter; the cluster's address is in the file, not in any runner option.
        config = tmp_path / "wenji.toml"
        config.write_text(
            f'data_dir = "{tmp_path}"\ndb_path = "dask.duckdb"\nbatch_size = 6\n'
            f'dask_address = "{cluster.scheduler_address}"\n',
            encoding="utf-8",
        )
        on_dask = etl(sources=[str(SAMPLE_SITE)], config=str(config))  # as etl/on-demand is triggered
        on_dask_tasks = set(cluster.scheduler.task_prefixes)
    assert "transform" in on_dask_tasks  # the batches really went to the cluster
    assert local.counts.documents >= 15 and on_dask.counts == local.counts
    assert _snapshot(tmp_path / "dask.duckdb") == _snapshot(tmp_path / "local.duckdb")
