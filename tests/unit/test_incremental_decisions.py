"""The incremental decisions (tasks/incremental.py) as plain functions over stored state."""

from __future__ import annotations

from datetime import UTC, datetime

from wenji.tasks.incremental import FetchJob, Stored, is_unchanged, plan_fetches
from wenji.tasks.records import Page, SourceItem

FETCHED = datetime(2024, 4, 1, tzinfo=UTC)


def _page(url: str, body: bytes, status: int = 200) -> Page:
    from wenji.tasks.records import content_hash

    return Page(
        url=url,
        final_url=url,
        status=status,
        content_type="text/html",
        body=body,
        text=body.decode("utf-8"),
        encoding="utf-8",
        encoding_source="header",
        bad_bytes=0,
        content_hash=content_hash(body) if status != 304 else "",
        fetched_at=FETCHED,
    )


def test_lastmod_older_than_the_stored_copy_is_not_requested() -> None:
    old = SourceItem("https://a.cn/1", changed_by=datetime(2024, 3, 30, 12, tzinfo=UTC))
    new = SourceItem("https://a.cn/2", changed_by=datetime(2024, 4, 2, tzinfo=UTC))
    no_lastmod = SourceItem("https://a.cn/3")
    never_stored = SourceItem("https://a.cn/4", changed_by=datetime(2020, 1, 1, tzinfo=UTC))
    stored = {item.url: Stored(FETCHED, "h") for item in (old, new, no_lastmod)}
    plan = plan_fetches([old, new, no_lastmod, never_stored], stored, trust_lastmod=True)
    assert [job.item for job in plan.jobs] == [new, no_lastmod, never_stored]
    assert plan.left_alone == 1
    distrusted = plan_fetches([old, new, no_lastmod, never_stored], stored, trust_lastmod=False)
    assert [job.item for job in distrusted.jobs] == [old, new, no_lastmod, never_stored]


def test_stored_validators_and_hash_travel_with_the_job() -> None:
    item, fresh = SourceItem("https://a.cn/1"), SourceItem("https://a.cn/2")
    stored = {item.url: Stored(FETCHED, "abc", etag='"v2"', last_modified=None)}
    plan = plan_fetches([item, fresh], stored, trust_lastmod=True)
    assert plan.jobs == [FetchJob(item, ('"v2"', None), "abc"), FetchJob(fresh, None, None)]
    assert plan_fetches([item], {item.url: Stored(FETCHED, "abc")}, True).jobs[0].validators is None


def test_resume_leaves_out_what_the_interrupted_run_loaded() -> None:
    a, b = SourceItem("https://a.cn/1"), SourceItem("https://a.cn/2")
    plan = plan_fetches([a, b], {}, trust_lastmod=True, already_loaded=frozenset({a.url}))
    assert [job.item for job in plan.jobs] == [b] and plan.resumed == 1


def test_same_bytes_or_a_304_is_unchanged_and_new_bytes_are_not() -> None:
    page = _page("https://a.cn/1", "<p>关于开展全国文明城市创建工作的通知</p>".encode())
    assert is_unchanged(page, page.content_hash)
    assert not is_unchanged(page, "another hash")
    assert not is_unchanged(page, None)  # never stored
    assert is_unchanged(_page("https://a.cn/1", b"", status=304), None)


def test_a_plan_has_new_pages_only_when_a_url_has_nothing_stored() -> None:
    stored_item, new_item = SourceItem("https://a.cn/1"), SourceItem("https://a.cn/2")
    stored = {stored_item.url: Stored(FETCHED, "h", etag='"v1"')}
    assert not plan_fetches([stored_item], stored, trust_lastmod=True).has_new_pages()
    assert plan_fetches([stored_item, new_item], stored, trust_lastmod=True).has_new_pages()
