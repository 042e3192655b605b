"""Related papers: TF-IDF of title and abstract, nearest by cosine, ties broken by shared topics.

The similarity is computed in blocks of rows against the sparse matrix, keeping only each
row's best few, so memory stays bounded (a block, never the n x n matrix) at 50,000 papers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from .records import Paper

RELATED = 5
DECIMALS = 3  # similarities equal to this many decimals are a tie, decided by shared topics
BLOCK_CELLS = 1 << 22  # similarity scores held at once (a block of rows x all papers)
EXTRA_CANDIDATES = 11  # looked at beyond `count`, so that ties at the cut are all seen
MIN_PAPERS_FOR_MAX_DF = 20  # in smaller surveys every word may be common: keep them all


def paper_text(paper: Paper) -> str:
    """The text a paper is compared by: the title (weighted twice) and the abstract."""
    return f"{paper.title}. {paper.title}. {paper.abstract}"


def paper_vectors(papers: Iterable[Paper]) -> sparse.csr_matrix:
    """One L2-normalised TF-IDF row per paper, in the order given."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # slow to import: only when needed

    texts = [paper_text(p) for p in papers]
    vectorizer = TfidfVectorizer(
        stop_words="english",
        sublinear_tf=True,
        max_df=0.5 if len(texts) >= MIN_PAPERS_FOR_MAX_DF else 1.0,
        dtype=np.float32,
    )
    try:
        return vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # no papers, or no word that is not a stop word
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32)


def related_papers(
    ids: Sequence[str],
    vectors: sparse.csr_matrix,
    topics: Sequence[frozenset[str]],
    count: int = RELATED,
) -> dict[str, tuple[str, ...]]:
    """Each paper's `count` most similar others: cosine, then shared topics, then id.

    Papers with nothing in common (similarity 0) are never listed.
    """
    total = len(ids)
    rows = max(1, BLOCK_CELLS // max(total, 1))
    found: dict[str, tuple[str, ...]] = {}
    for start in range(0, total, rows):
        stop = min(start + rows, total)
        block = np.asarray(vectors @ vectors[start:stop].T.toarray()).T  # (rows, total), exact
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0  # never itself
        candidates = top_candidates(block, count + EXTRA_CANDIDATES)
        for offset, scores in enumerate(block):
            index = start + offset
            best = best_matches(index, scores, candidates[offset], ids, topics, count)
            found[ids[index]] = tuple(ids[j] for j in best)
    return found


def top_candidates(block: np.ndarray, wanted: int) -> np.ndarray:
    """The positions of each row's `wanted` highest scores, in no particular order."""
    wanted = min(wanted, block.shape[1])
    if wanted == 0:
        return np.zeros((block.shape[0], 0), dtype=int)
    return np.argpartition(-block, wanted - 1, axis=1)[:, :wanted]


def best_matches(
    index: int,
    scores: np.ndarray,
    candidates: np.ndarray,
    ids: Sequence[str],
    topics: Sequence[frozenset[str]],
    count: int,
) -> list[int]:
    """The best `count` scores above 0, every paper tied at the cut considered."""
    if count <= 0 or len(candidates) == 0:
        return []
    rounded = np.round(scores[candidates], DECIMALS)
    ordered = np.sort(rounded)[::-1]
    cut = max(ordered[min(count, len(ordered)) - 1], np.finfo(np.float32).tiny)
    if len(candidates) < len(scores) and ordered[-1] >= cut:  # the tie may go on past them
        candidates = np.flatnonzero(np.round(scores, DECIMALS) >= cut)
        rounded = np.round(scores[candidates], DECIMALS)
    own = topics[index]
    pool = [(float(r), j) for r, j in zip(rounded, candidates.tolist(), strict=True) if r >= cut]

    def rank(item: tuple[float, int]) -> tuple[float, int, str]:
        score, j = item
        return (-score, -len(own & topics[j]), ids[j])

    return [j for _, j in sorted(pool, key=rank)[:count]]
