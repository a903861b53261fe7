"""Enrichment: what a segmented document says beyond its words.

`enrich_all` runs every enricher over a batch of (Doc, sentences): keywords (keywords.py), then the
structure enrichers, each a pure function in its own module: entities, terms, outline, placeholders,
doc_type per document, fingerprint over the whole batch (its numpy work is cheaper in one go). The
corpus-wide step that needs all documents at once (near-duplicate groups, duplicates.py) runs after the
batches are loaded.

A structure enricher that fails on one document leaves that document's field empty and records an error
row (`enrich_<name>_failed`); the document and its other enrichments are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

# Modules, not their functions: `fingerprint.fingerprint` imported by name would hide the submodule.
from wenji.tasks.enrich import doctype, entities, fingerprint, keywords, outline, placeholders, terms
from wenji.tasks.records import Doc, ErrorRecord, ProcessedDoc, Sentence, StepResult
from wenji.tasks.settings import EnrichConfig

Enricher = Callable[[Doc, list[Sentence]], dict[str, Any]]
BatchEnricher = Callable[[list[tuple[Doc, list[Sentence]]]], list[dict[str, Any]]]


def _entities(doc: Doc, sentences: list[Sentence]) -> dict[str, Any]:
    return {"entities": entities.find_entities(sentences)}


def _terms(doc: Doc, sentences: list[Sentence]) -> dict[str, Any]:
    return {"terms": terms.find_terms(sentences)}


def _outline(doc: Doc, sentences: list[Sentence]) -> dict[str, Any]:
    headings, paths = outline.build_outline(doc.paragraphs)
    return {"outline": headings, "section_paths": paths}


def _placeholders(doc: Doc, sentences: list[Sentence]) -> dict[str, Any]:
    return {"placeholders": placeholders.find_placeholders(doc.text)}


def _doc_type(doc: Doc, sentences: list[Sentence]) -> dict[str, Any]:
    return {"doc_type": doctype.classify_doc_type(doc.title or doc.meta.title, doc.text)}


def _fingerprints(docs: list[tuple[Doc, list[Sentence]]]) -> list[dict[str, Any]]:
    return [
        {"signature": signature, "n_shingles": n_shingles}
        for signature, n_shingles in fingerprint.fingerprints([sentences for _, sentences in docs])
    ]


# (name, function returning ProcessedDoc fields); the name is used in error kinds and counters.
STRUCTURE_ENRICHERS: tuple[tuple[str, Enricher], ...] = (
    ("entities", _entities),
    ("terms", _terms),
    ("outline", _outline),
    ("placeholders", _placeholders),
    ("doc_type", _doc_type),
)
# Enrichers that take the whole batch at once (each numpy call over all its documents' tokens) and return
# each document's fields; one that fails on a batch is run again per document, to find the documents.
BATCH_ENRICHERS: tuple[tuple[str, BatchEnricher], ...] = (("fingerprint", _fingerprints),)


def warm_up() -> None:
    """Load the tables the enrichers need (stopwords, IDF, organisation words) once per process."""
    keywords.warm_up()
    entities.warm_up()


def _guarded(
    name: str, run: Callable[[], dict[str, Any]], pd: ProcessedDoc, result: StepResult
) -> dict[str, Any]:
    """`run()`: the fields of document `pd`, or none and an error row when it raises."""
    try:
        return run()
    except Exception as exc:  # one enricher's bug on one odd document must not lose the document
        result.errors.append(
            ErrorRecord(
                url=pd.doc.url,
                stage="enrich",
                kind=f"enrich_{name}_failed",
                message=f"part {pd.doc.part_no}: {name} failed: {exc!r}",
            )
        )
        result.counters[f"failed_{name}"] += 1
        return {}


def _batch_fields(
    name: str, enricher: BatchEnricher, items: list[ProcessedDoc], result: StepResult
) -> list[dict[str, Any]]:
    try:
        return enricher([(pd.doc, pd.sentences) for pd in items])
    except Exception:  # run per document, so that only the failing ones lose the fields
        return [_guarded(name, partial(_alone, enricher, pd), pd, result) for pd in items]


def _alone(enricher: BatchEnricher, pd: ProcessedDoc) -> dict[str, Any]:
    (fields,) = enricher([(pd.doc, pd.sentences)])
    return fields


def enrich_all(segmented: list[tuple[Doc, list[Sentence]]], cfg: EnrichConfig) -> StepResult[ProcessedDoc]:
    """Keywords and every structure enricher for each document of a batch."""
    result = keywords.enrich_batch(segmented, cfg)
    counters = result.counters
    from_batch = [_batch_fields(name, enricher, result.items, result) for name, enricher in BATCH_ENRICHERS]
    enriched: list[ProcessedDoc] = []
    for pd, *batch_fields in zip(result.items, *from_batch, strict=True):
        fields: dict[str, Any] = {}
        for name, enricher in STRUCTURE_ENRICHERS:
            fields.update(_guarded(name, partial(enricher, pd.doc, pd.sentences), pd, result))
        for batch_field in batch_fields:
            fields.update(batch_field)
        pd = replace(pd, **fields)
        counters["entities"] += len(pd.entities)
        counters["terms"] += len(pd.terms)
        counters["headings"] += len(pd.outline)
        counters["placeholders"] += len(pd.placeholders)
        counters["docs_fingerprinted"] += bool(pd.signature)
        enriched.append(pd)
    result.items = enriched
    return result
