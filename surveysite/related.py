"""Related papers: TF-IDF of title and abstract, nearest by cosine, ties broken by shared topics.

Up to EXACT_UP_TO papers every pair is scored. In a larger survey that would cost the square
of its size, so candidates are found first with "champion lists", as a search engine does:
each paper keeps its KEY_WORDS strongest words (highest TF-IDF weights), each word keeps the
CHAMPIONS papers it is strongest in, and a paper's candidates are the CANDIDATES papers that
share most weight with it through those lists. Only they are scored exactly, so the work
grows in step with the survey, not with its square. (On the benchmark's synthetic surveys
the papers found are 93-98 % as similar as the exact best; on the real survey, 99 %.)

Either way the work goes in blocks of rows, so memory stays bounded, and ends in the same
ranking: rounded cosine, then shared topics, then id.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from .build_cache import write_pickle
from .records import Paper

RELATED = 5
DECIMALS = 3  # similarities equal to this many decimals are a tie, decided by shared topics
BLOCK_CELLS = 1 << 22  # numbers held at once: a block of rows x all papers (or all words)
EXACT_UP_TO = 2000  # papers; in a larger survey only candidates are scored
KEY_WORDS = 40  # a paper's strongest words, which find its candidates
CHAMPIONS = 25  # for each word, the papers it is strongest in: only they are found through it
CANDIDATES = 32  # papers scored exactly for each paper, in a larger survey
CANDIDATE_ROWS = 128  # papers whose candidates are scored together: their words stay in cache
MIN_PAPERS_FOR_MAX_DF = 20  # in smaller surveys every word may be common: keep them all
WORD = r"\w\w+"  # scikit-learn's default words (runs of 2+ word characters) without its \b: faster

Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]  # rows, columns, cosines


def import_tfidf() -> type:
    """scikit-learn's TfidfVectorizer (most of a second to import: only when needed)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer


def paper_text(title: str, abstract: str) -> str:
    """The text a paper is compared by: the title (weighted twice) and the abstract."""
    return f"{title}. {title}. {abstract}"


def paper_vectors(papers: Iterable[Paper]) -> sparse.csr_matrix:
    """One L2-normalised TF-IDF row per paper, in the order given."""
    return text_vectors([paper_text(p.title, p.abstract) for p in papers])


def text_vectors(texts: Sequence[str], words: AnalysedWords | None = None) -> sparse.csr_matrix:
    """One L2-normalised TF-IDF row per text (see paper_text), in the order given; the
    texts' words from `words` where it has them."""
    analysed = (words or AnalysedWords()).of(texts)
    vectorizer = import_tfidf()(  # slow to import: only when needed
        analyzer=str.split,
        sublinear_tf=True,
        max_df=0.5 if len(texts) >= MIN_PAPERS_FOR_MAX_DF else 1.0,
        dtype=np.float32,
    )
    try:
        return vectorizer.fit_transform(analysed).tocsr()
    except ValueError:  # no papers, or no word that is not a stop word
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32)


def word_analyser() -> Callable[[str], list[str]]:
    """A text's words as TF-IDF counts them: lower case, runs of WORD, no English stop words."""
    return import_tfidf()(stop_words="english", token_pattern=WORD).build_analyzer()


class AnalysedWords:
    """Texts' words as TF-IDF counts them (see word_analyser), space-separated, by a digest of
    the text; kept between builds in a file. Finding the words is most of the time the TF-IDF
    vectors take (0.4 s of 0.65 at 10,000 papers), and an edit changes one text."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.known: dict[bytes, str] = {}
        self.used: dict[bytes, str] = {}
        self.version = ""
        if path is not None:
            import sklearn  # the stop words are scikit-learn's, and may change with it

            self.version = f"{sklearn.__version__} {WORD}"
            try:
                version, known = pickle.loads(path.read_bytes())
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
                return  # none yet, or unreadable: every text is analysed
            if version == self.version and isinstance(known, dict):
                self.known = known

    def of(self, texts: Sequence[str]) -> list[str]:
        """Each text's words, found again only for the texts not known."""
        analyse = None
        found = []
        for text in texts:
            key = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
            words = self.known.get(key)
            if words is None:
                analyse = analyse or word_analyser()
                words = " ".join(analyse(text))  # words never hold white space
            self.used[key] = words
            found.append(words)
        return found

    def save(self) -> None:
        """Keep the words of the texts used, in place of the file's (if they differ)."""
        if self.path is None or self.used == self.known:
            return
        with contextlib.suppress(OSError):  # not kept: the next build finds the words again
            self.path.parent.mkdir(exist_ok=True)
            write_pickle(self.path, (self.version, self.used))


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
    found: list[list[str]] = [[] for _ in range(total)]
    if count > 0 and total > 1:
        id_order = sort_places(ids)
        members = topic_matrix(topics)
        step = max(1, BLOCK_CELLS // max(total, vectors.shape[1]))
        if total <= EXACT_UP_TO:
            blocks = exact_pairs(vectors, count, step)
        else:
            blocks = candidate_pairs(vectors, min(step, CANDIDATE_ROWS))
        for rows, cols, scores in blocks:
            shared = shared_topics(members, rows, cols)
            rows, cols = ranked(rows, cols, np.round(scores, DECIMALS), shared, id_order, count)
            for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
                found[row].append(ids[col])
    return {paper_id: tuple(best) for paper_id, best in zip(ids, found, strict=True)}


def sort_places(ids: Sequence[str]) -> np.ndarray:
    """Each id's place when the ids are sorted."""
    places = np.empty(len(ids), dtype=np.int64)
    places[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
    return places


def exact_pairs(vectors: sparse.csr_matrix, count: int, step: int) -> Iterator[Pairs]:
    """Per block of rows: every pair scoring at least the row's `count`-th best (ties too)."""
    total = vectors.shape[0]
    for start in range(0, total, step):
        stop = min(start + step, total)
        block = np.asarray(vectors @ vectors[start:stop].T.toarray()).T  # (rows, total), exact
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0  # never itself
        rounded = np.round(block, DECIMALS)
        cut = np.partition(rounded, -count, axis=1)[:, [-count]] if count < total else 0
        rows, cols = np.nonzero((rounded >= cut) & (rounded > 0))
        yield rows + start, cols, block[rows, cols]


def candidate_pairs(vectors: sparse.csr_matrix, step: int) -> Iterator[Pairs]:
    """Per block of rows: each row's CANDIDATES papers sharing most strong words, scored exactly."""
    total = vectors.shape[0]
    keys = largest_per_row(vectors, KEY_WORDS)
    champions = largest_per_row(keys.T.tocsr(), CHAMPIONS)  # (words, papers)
    for start in range(0, total, step):
        stop = min(start + step, total)
        overlap = (keys[start:stop] @ champions).tocsr()
        own = np.repeat(np.arange(start, stop), np.diff(overlap.indptr))
        overlap.data[overlap.indices == own] = 0  # never itself
        overlap.eliminate_zeros()
        best = largest_per_row(overlap, CANDIDATES).tocoo()
        rows, cols = best.row + start, best.col
        yield rows, cols, pair_cosines(vectors, start, stop, rows, cols)


def largest_per_row(matrix: sparse.csr_matrix, count: int) -> sparse.csr_matrix:
    """Only each row's `count` largest entries; of equal ones, those stored first."""
    lengths = np.diff(matrix.indptr)
    width = int(lengths.max(initial=0))
    if width <= count:
        return matrix
    step = max(1, BLOCK_CELLS // width)
    if matrix.shape[0] > step:
        starts = range(0, matrix.shape[0], step)
        blocks = [largest_per_row(matrix[start : start + step], count) for start in starts]
        return sparse.vstack(blocks, format="csr")
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    places = np.arange(matrix.nnz) - matrix.indptr[rows]
    negated = np.full((matrix.shape[0], width), np.inf, dtype=np.float32)  # smallest first
    negated[rows, places] = -matrix.data
    cut = np.partition(negated, count - 1, axis=1)[:, [count - 1]]  # the count-th largest
    above, at = negated < cut, negated == cut
    room = count - above.sum(axis=1, keepdims=True)  # for entries equal to the cut: the first
    kept = (above | (at & (np.cumsum(at, axis=1) <= room)))[rows, places]
    entries = (matrix.data[kept], (rows[kept], matrix.indices[kept]))
    return sparse.csr_matrix(entries, shape=matrix.shape)


def pair_cosines(
    vectors: sparse.csr_matrix, start: int, stop: int, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """The cosine of each pair (rows[i], cols[i]); every row is in start:stop."""
    dense = vectors[start:stop].toarray().ravel()
    order = np.argsort(cols, kind="stable")  # gathering rows in order is many times faster
    others = vectors[cols[order]]  # a copy: its weights become the products below
    owner = np.repeat((rows[order] - start) * vectors.shape[1], np.diff(others.indptr))
    others.data *= dense.take(owner + others.indices)  # times the same word's weight in the row
    scores = np.empty(len(rows), dtype=np.float32)
    scores[order] = np.asarray(others.sum(axis=1)).ravel()
    return scores


def topic_matrix(topics: Sequence[frozenset[str]]) -> sparse.csr_matrix:
    """A row per paper, a column per topic: 1 where the paper is in the topic."""
    names = {name: n for n, name in enumerate(sorted(set().union(*topics)))}
    rows = [row for row, own in enumerate(topics) for _ in own]
    cols = [names[name] for own in topics for name in sorted(own)]
    ones = np.ones(len(rows), dtype=np.int32)
    return sparse.csr_matrix((ones, (rows, cols)), shape=(len(topics), len(names)))


def shared_topics(members: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """How many topics each pair (rows[i], cols[i]) has in common."""
    return np.asarray(members[rows].multiply(members[cols]).sum(axis=1)).ravel()


def ranked(
    rows: np.ndarray,
    cols: np.ndarray,
    rounded: np.ndarray,
    shared: np.ndarray,
    id_order: np.ndarray,
    count: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's first `count` pairs above 0: by rounded cosine, then shared topics, then id."""
    above = rounded > 0
    rows, cols, rounded, shared = rows[above], cols[above], rounded[above], shared[above]
    order = np.lexsort((id_order[cols], -shared, -rounded, rows))
    rows, cols = rows[order], cols[order]
    place = np.arange(len(rows)) - np.searchsorted(rows, rows)  # place within its row
    return rows[place < count], cols[place < count]
