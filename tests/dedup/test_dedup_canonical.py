"""The canonical record of a cluster is its version of record (issue 14)."""

from __future__ import annotations

from litsift.dedup import Cluster, deduplicate
from litsift.dedup.canonical import preprint_copy, ranked, why_chosen
from litsift.importers import export_records
from litsift.models import Record

TITLE = "GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism"
AUTHORS = ["Huang, Yanping", "Cheng, Youlong", "Bapna, Ankur", "Firat, Orhan"]


def rec(origin: str, **fields: object) -> Record:
    base: dict[str, object] = {"title": TITLE, "authors": AUTHORS, "year": 2019}
    base.update(fields)
    return Record.build(source="curated", origin=origin, **base)


def only_cluster(records: list[Record]) -> Cluster:
    (cluster,) = deduplicate(records).clusters
    return cluster


def test_published_version_over_preprint_keeps_the_arxiv_id() -> None:
    preprint = rec("a.bib:1", venue="arXiv preprint", arxiv_id="1811.06965", year=2018,
                   doc_type="article")  # fmt: skip
    published = rec("b.bib:9", venue="Advances in Neural Information Processing Systems 32",
                    arxiv_id="1811.06965", doc_type="conference-paper",
                    url="https://proceedings.neurips.cc/paper/2019/x")  # fmt: skip
    assert preprint_copy(preprint) and not preprint_copy(published)
    cluster = only_cluster([preprint, published])
    assert cluster.id == "arxiv-1811.06965"  # the id does not depend on the choice
    assert cluster.canonical.id == cluster.id
    assert cluster.canonical_from == "curated:b.bib:9"
    assert cluster.canonical_why == "published over preprint"
    canon = cluster.canonical
    assert canon.venue.startswith("Advances in Neural") and canon.doc_type == "conference-paper"
    assert canon.year == 2019 and canon.arxiv_id == "1811.06965"
    bib = export_records([canon], "bibtex")
    assert "@inproceedings{arxiv-1811.06965" in bib
    assert "booktitle = {Advances in Neural" in bib and "arXiv preprint" not in bib
    assert "eprint = {1811.06965}" in bib and "archiveprefix = {arXiv}" in bib


def test_published_record_never_takes_the_preprint_doi_or_venue_fields() -> None:
    preprint = rec("a:1", doi="10.48550/arXiv.1811.06965", venue="arXiv", pages="1-11")
    published = rec("b:2", arxiv_id="1811.06965", venue="NeurIPS")
    canon = ranked([preprint, published])
    assert canon[0] is published
    cluster = only_cluster([preprint, published])
    assert cluster.canonical.doi is None and cluster.canonical.pages is None
    assert cluster.canonical.venue == "NeurIPS" and cluster.canonical.arxiv_id == "1811.06965"


def test_journal_article_over_meeting_abstract() -> None:
    abstract = rec("a:1", doi="10.1182/blood.v114.22.1234", venue="Blood", issue="Suppl 1",
                   doc_type="conference abstract", pages="1234")  # fmt: skip
    article = rec("b:2", doi="10.1182/blood.v114.22.1234", venue="Blood", issue="22",
                  doc_type="article")  # fmt: skip
    cluster = only_cluster([abstract, article])
    assert cluster.canonical_from == "curated:b:2"
    assert cluster.canonical_why == "article over meeting abstract"
    assert cluster.canonical.doc_type == "article"
    assert cluster.canonical.pages == "1234"  # a gap filled from the other member


def test_doi_then_abstract_then_full_author_list() -> None:
    bare = rec("a:1", pmid="30000001", venue="Nature")
    with_doi = rec("b:2", pmid="30000001", venue="Nature", doi="10.1038/s41586-019-0001-1")
    with_abstract = rec("c:3", pmid="30000001", venue="Nature", abstract="We train ...")
    more_authors = rec("d:4", pmid="30000001", venue="Nature", authors=[*AUTHORS, "Le, Quoc"])
    order = ranked([bare, more_authors, with_abstract, with_doi])
    assert order == [with_doi, with_abstract, more_authors, bare]
    assert why_chosen(order) == "has a DOI"
    cluster = only_cluster([bare, with_abstract, more_authors])
    assert cluster.canonical_from == "curated:c:3" and cluster.canonical_why == "has an abstract"
    assert len(cluster.canonical.authors) == 5  # the longest list, from d:4


def test_changing_the_version_of_record_keeps_the_cluster_id() -> None:
    preprint = rec("a:1", venue="arXiv", arxiv_id="2303.06865")
    first = deduplicate([preprint])
    published = rec("b:2", venue="ICML", arxiv_id="2303.06865")
    second = deduplicate([preprint, published], previous=first.assignment())
    (before,), (after,) = first.clusters, second.clusters
    assert before.id == after.id == "arxiv-2303.06865"
    assert before.canonical.venue == "arXiv" and after.canonical.venue == "ICML"


def test_single_records_are_their_own_canonical() -> None:
    only = rec("a:1", venue="ICML")
    (cluster,) = deduplicate([only]).clusters
    assert cluster.canonical is only and cluster.canonical_from == ""
