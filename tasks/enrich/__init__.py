"""Enrichment: what a segmented document says beyond its words.

`enrich_all` runs every enricher over a batch of (Doc, sentences): keywords (keywords.py), then the
structure enrichers, each a pure per-document function in its own module: entities, terms, outline,
placeholders, doc_type. MinHash fingerprints (fingerprint.py) are computed by `tables.to_tables` from the
batch's tokens in Arrow, where the words already are one dictionary-encoded column. The corpus-wide step
that needs all documents at once (near-duplicate groups, duplicates.py) runs after the batches are loaded.

A structure enricher that fails on one document leaves that document's field empty and records an error
row (`enrich_<name>_failed`); the document and its other enrichments are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from wenji.tasks.enrich import doctype, entities, keywords, outline, placeholders, terms
from wenji.tasks.records import Doc, ErrorRecord, ProcessedDoc, Sentence, StepResult
from wenji.tasks.settings import EnrichConfig

Enricher = Callable[[Doc, list[Sentence]], dict[str, Any]]


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


# (name, function returning ProcessedDoc fields); the name is used in error kinds and counters.
STRUCTURE_ENRICHERS: tuple[tuple[str, Enricher], ...] = (
    ("entities", _entities),
    ("terms", _terms),
    ("outline", _outline),
    ("placeholders", _placeholders),
    ("doc_type", _doc_type),
)


def warm_up() -> None:
    """Load the tables the enrichers need (stopwords, IDF, organisation words) once per process."""
    keywords.warm_up()
    entities.warm_up()


def enrich_all(segmented: list[tuple[Doc, list[Sentence]]], cfg: EnrichConfig) -> StepResult[ProcessedDoc]:
    """Keywords and every structure enricher for each document of a batch."""
    result = keywords.enrich_batch(segmented, cfg)
    counters = result.counters
    enriched: list[ProcessedDoc] = []
    for pd in result.items:
        fields: dict[str, Any] = {}
        for name, enricher in STRUCTURE_ENRICHERS:
            try:
                fields.update(enricher(pd.doc, pd.sentences))
            except Exception as exc:  # one enricher's bug on one odd document must not lose the document
                result.errors.append(
                    ErrorRecord(
                        url=pd.doc.url,
                        stage="enrich",
                        kind=f"enrich_{name}_failed",
                        message=f"part {pd.doc.part_no}: {name} failed: {exc!r}",
                    )
                )
                counters[f"failed_{name}"] += 1
        pd = replace(pd, **fields)
        counters["entities"] += len(pd.entities)
        counters["terms"] += len(pd.terms)
        counters["headings"] += len(pd.outline)
        counters["placeholders"] += len(pd.placeholders)
        enriched.append(pd)
    result.items = enriched
    return result
