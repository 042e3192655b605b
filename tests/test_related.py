"""Related papers: TF-IDF cosine, ties by shared topics then id, bounded blocks, sensible on the real survey."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from scipy import sparse

from surveysite import related
from surveysite.build_cache import BuildCache
from surveysite.build_site import Project, add_similarity, build, load_survey
from surveysite.records import Paper
from surveysite.related import paper_vectors, related_papers
from tests.conftest import REPO, write_content


def paper(paper_id: str, title: str, abstract: str) -> Paper:
    return Paper(
        id=paper_id, title=title, abstract=abstract, path=f"content/papers/{paper_id}.yaml"
    )


def unit_rows(*rows: list[float]) -> sparse.csr_matrix:
    matrix = np.array(rows, dtype=np.float32)
    return sparse.csr_matrix(matrix / np.linalg.norm(matrix, axis=1, keepdims=True))


def test_most_similar_first_never_itself_never_unrelated():
    ids = ["a", "b", "c", "d"]
    vectors = unit_rows([1, 0, 0], [0.9, 0.1, 0], [0.5, 0.5, 0], [0, 0, 1])
    found = related_papers(ids, vectors, [frozenset()] * 4, count=5)
    assert found["a"] == ("b", "c")
    assert found["c"] == ("b", "a")
    assert found["d"] == ()  # nothing in common with anyone


def test_ties_go_to_shared_topics_then_id():
    ids = ["p", "x", "y", "z"]
    vectors = unit_rows([1, 0], [1, 0], [1, 0], [1, 0])
    topics = [frozenset({"t1", "t2"}), frozenset(), frozenset({"t1"}), frozenset({"t1", "t2"})]
    found = related_papers(ids, vectors, topics, count=2)
    assert found["p"] == ("z", "y")
    assert found["x"] == ("p", "y")  # no topics: by id


def test_near_ties_count_as_ties():
    ids = ["p", "q", "r"]
    vectors = unit_rows([1, 0, 0], [1, 0.0001, 0], [1, 0, 0.0002])
    topics = [frozenset({"t"}), frozenset(), frozenset({"t"})]
    assert related_papers(ids, vectors, topics, count=1)["p"] == ("r",)


def test_blocks_give_the_same_answer_as_one_pass(monkeypatch):
    vectors = random_unit_rows(40, 12)
    ids = [f"p{i:02d}" for i in range(40)]
    topics = [frozenset({f"t{i % 3}"}) for i in range(40)]
    whole = related_papers(ids, vectors, topics)
    monkeypatch.setattr(related, "BLOCK_CELLS", 7 * 40)
    assert related_papers(ids, vectors, topics) == whole


def random_unit_rows(count: int, features: int) -> sparse.csr_matrix:
    rng = np.random.default_rng(0)
    dense = rng.random((count, features)) * (rng.random((count, features)) > 0.6)
    dense[dense.sum(axis=1) == 0, 0] = 1.0
    return sparse.csr_matrix(
        (dense / np.linalg.norm(dense, axis=1, keepdims=True)).astype(np.float32)
    )


def test_candidates_covering_every_pair_give_the_exact_answer(monkeypatch):
    vectors = random_unit_rows(40, 12)
    ids = [f"p{i:02d}" for i in range(40)]
    topics = [frozenset({f"t{i % 3}", f"u{i % 2}"}) for i in range(40)]
    exact = related_papers(ids, vectors, topics)
    monkeypatch.setattr(related, "EXACT_UP_TO", 0)
    monkeypatch.setattr(related, "KEY_WORDS", 12)
    monkeypatch.setattr(related, "CHAMPIONS", 40)
    monkeypatch.setattr(related, "CANDIDATES", 39)
    monkeypatch.setattr(related, "CANDIDATE_ROWS", 7)
    assert related_papers(ids, vectors, topics) == exact


def test_largest_per_row_keeps_each_rows_largest_in_any_blocks(monkeypatch):
    matrix = sparse.csr_matrix(
        np.array([[0.1, 0.5, 0.0, 0.3], [0.0, 0.0, 0.2, 0.0], [0.4, 0.3, 0.2, 0.1]], np.float32)
    )
    expected = np.array([[0, 0.5, 0, 0.3], [0, 0, 0.2, 0], [0.4, 0.3, 0, 0]], np.float32)
    assert np.array_equal(related.largest_per_row(matrix, 2).toarray(), expected)
    monkeypatch.setattr(related, "BLOCK_CELLS", 4)  # one row at a time
    assert np.array_equal(related.largest_per_row(matrix, 2).toarray(), expected)


def test_vectors_cover_title_and_abstract_and_survive_odd_input():
    papers = [
        paper("a", "Spiking robots", "Energy efficient control."),
        paper("b", "Pruning", "Sparse subnetworks train well."),
    ]
    vectors = paper_vectors(papers)
    assert vectors.shape[0] == 2 and vectors.nnz > 0
    assert paper_vectors([]).shape[0] == 0
    assert paper_vectors([paper("s", "The", "and of the")]).nnz == 0  # only stop words


def test_paper_page_lists_related_papers(tmp_path):
    papers = {
        "spiking-a": "title: Spiking networks on chips\nabstract: Spiking neurons on neuromorphic chips.\n",
        "spiking-b": "title: Training spiking networks\nabstract: Surrogate gradients train spiking neurons.\n",
        "pruning": "title: Pruning weights\nabstract: Magnitude pruning removes weights.\n",
    }
    project = write_content(tmp_path, papers=papers, topics={})
    build(project)
    html = (project.output / "papers" / "spiking-a" / "index.html").read_text(encoding="utf-8")
    section = html.split('id="related"')[1].split("</section>")[0]
    assert 'href="../../papers/spiking-b/"' in section
    assert "Training spiking networks" in section
    assert "pruning" not in section  # nothing in common but stop words
    lonely = (project.output / "papers" / "pruning" / "index.html").read_text(encoding="utf-8")
    assert 'id="related"' not in lonely


@pytest.fixture(scope="module")
def real_survey():
    """The real survey with its related papers (fails if content/ does not build)."""
    survey, _ = load_survey(Project.at(REPO))
    add_similarity(survey, BuildCache())
    return survey


SPIKING = re.compile(r"spik|neuromorph", re.IGNORECASE)


def test_spiking_papers_lead_to_spiking_papers(real_survey):
    survey = real_survey
    spiking_titles = [
        p for p in survey.papers.values() if re.search(r"\bspiking\b", p.title, re.IGNORECASE)
    ]
    assert len(spiking_titles) >= 3

    def about_spikes(paper_id: str) -> bool:
        found = survey.papers[paper_id]
        return bool(SPIKING.search(f"{found.title} {found.abstract}"))

    hits = [sum(map(about_spikes, survey.related[p.id])) for p in spiking_titles]
    assert all(len(survey.related[p.id]) == 5 for p in spiking_titles)
    assert min(hits) >= 1, hits  # every spiking paper leads to at least one other
    assert sum(hits) / len(hits) >= 2.5, hits  # and on average to half of its five


def test_related_papers_share_topics_far_more_than_chance(real_survey):
    survey = real_survey
    topics = {pid: set(survey.paper_topics.get(pid, ())) for pid in survey.papers}
    pairs = [(a, b) for a, found in survey.related.items() for b in found]
    shared = sum(bool(topics[a] & topics[b]) for a, b in pairs) / len(pairs)
    rng = random.Random(0)
    ids = list(survey.papers)
    chance = sum(bool(topics[a] & topics[rng.choice(ids)]) for a, _ in pairs) / len(pairs)
    assert shared >= max(0.3, 3 * chance), (shared, chance)


def test_candidates_find_nearly_the_exact_best_on_the_real_survey(real_survey, monkeypatch):
    survey = real_survey  # its related papers are exact: it is smaller than EXACT_UP_TO
    ids = list(survey.papers)
    vectors = paper_vectors(survey.papers.values())
    topics = [frozenset(survey.paper_topics.get(pid, ())) for pid in ids]
    monkeypatch.setattr(related, "EXACT_UP_TO", 0)
    found = related_papers(ids, vectors, topics)
    place = {pid: n for n, pid in enumerate(ids)}

    def similarity(lists: dict[str, tuple[str, ...]]) -> float:
        pairs = [(place[a], place[b]) for a, best in lists.items() for b in best]
        rows, cols = np.array(pairs).T
        return float(vectors[rows].multiply(vectors[cols]).sum())

    same = sum(len(set(found[pid]) & set(survey.related[pid])) for pid in ids)
    assert same / sum(map(len, survey.related.values())) >= 0.85
    assert similarity(found) >= 0.97 * similarity(survey.related)


def test_words_kept_between_builds_give_the_same_vectors_and_only_new_texts_are_analysed(
    tmp_path, monkeypatch
):
    from surveysite.related import WORD, AnalysedWords, import_tfidf, text_vectors

    texts = [
        "Pruning finds sparse sub-networks that train well.",
        "Attention is all you need, and ATTENTION is enough.",
        "Sparse attention for long documents; pruning heads.",
        "Ünïcode wörds and snake_case_words, 3D and GPT-4.",
    ]
    plain = import_tfidf()(
        stop_words="english", token_pattern=WORD, sublinear_tf=True, dtype=np.float32
    ).fit_transform(texts)
    path = tmp_path / "words.pickle"
    analysed: list[str] = []
    analyser = related.word_analyser

    def counted_analyser():
        analyse = analyser()
        return lambda text: analysed.append(text) or analyse(text)

    monkeypatch.setattr(related, "word_analyser", counted_analyser)
    words = AnalysedWords(path)
    first = text_vectors(texts, words)
    words.save()
    assert analysed == texts
    assert (first != plain).nnz == 0 and np.array_equal(first.indices, plain.indices)
    analysed.clear()
    edited = [*texts[:3], "Ünïcode wörds, edited."]
    words = AnalysedWords(path)
    again = text_vectors(edited, words)
    words.save()
    assert analysed == ["Ünïcode wörds, edited."]  # the others were kept
    assert (again != text_vectors(edited)).nnz == 0
    assert len(AnalysedWords(path).known) == 4  # only the texts of the last build


def test_words_of_another_analysis_are_not_used_and_an_unwritable_cache_is_no_error(tmp_path):
    import pickle

    from surveysite.related import AnalysedWords

    path = tmp_path / "words.pickle"
    words = AnalysedWords(path)
    words.of(["Sparse networks."])
    words.save()
    version, known = pickle.loads(path.read_bytes())
    assert version == words.version and len(AnalysedWords(path).known) == 1
    path.write_bytes(pickle.dumps(("another analysis", known)))
    assert AnalysedWords(path).known == {}
    unwritable = AnalysedWords(tmp_path / "a-file" / "words.pickle")
    (tmp_path / "a-file").write_text("not a folder")
    assert unwritable.of(["Dense networks."]) == ["dense networks"]
    unwritable.save()
    assert (tmp_path / "a-file").read_text() == "not a folder"
