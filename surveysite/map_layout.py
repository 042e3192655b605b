"""The map's layout: a 2-D position for every paper, from its text.

TF-IDF rows -> LSA (TruncatedSVD, 50 dimensions, fitted on at most LSA_SAMPLE papers)
-> t-SNE of at most LANDMARKS papers; every other paper is placed among its most similar
landmarks. Both fits are bounded however large the survey, and the rest is products in
blocks. Everything runs on one thread with fixed seeds, so two builds give the same map.
Only the similarity stage imports this module (numpy, scipy and scikit-learn are slow to load).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .survey_map import HEIGHT, WIDTH

LSA_DIMENSIONS = 50
LSA_SAMPLE = 4000  # papers the LSA is fitted on; the others are projected onto it
LSA_ITERATIONS = 3  # power iterations of the randomized SVD (scikit-learn: 5): enough for a map
LANDMARKS = 300  # papers laid out by t-SNE; the others are placed among their neighbours
TSNE_ITERATIONS = 250  # scikit-learn's fewest: enough from a PCA start for a few hundred points
EXAGGERATION = 1.0  # none: with so few iterations, exaggerated clusters never unfold
PERPLEXITY = 20.0  # about how many neighbours each landmark keeps near (the usual 30: slower)
ANGLE = 0.7  # Barnes-Hut coarseness (scikit-learn: 0.5): faster, the same map to the eye
MIN_TSNE = 10  # fewer papers: the first two LSA components are the map
NEIGHBOURS = 8  # landmarks that place a paper
BLOCK_ROWS = 4096
MARGIN = 12


def layout(vectors: sparse.csr_matrix) -> np.ndarray:
    """Each row's position on the map, in [0, 1] x [0, 1], wider than tall."""
    count = vectors.shape[0]
    if count == 0:
        return np.zeros((0, 2))
    from threadpoolctl import threadpool_limits  # imported here: scikit-learn is slow to import

    with threadpool_limits(limits=1):
        reduced = lsa(vectors)
        if count < MIN_TSNE or reduced.shape[1] < 2:
            coords = np.pad(reduced[:, :2], ((0, 0), (0, max(0, 2 - reduced.shape[1]))))
        else:
            coords = tsne_with_landmarks(reduced)
    return fit_to_unit(coords)


def evenly_spaced(count: int, at_most: int) -> np.ndarray:
    """At most `at_most` row numbers spread evenly over `count` rows, first and last included."""
    return np.unique(np.linspace(0, count - 1, min(count, at_most)).round().astype(int))


def lsa(vectors: sparse.csr_matrix) -> np.ndarray:
    """The rows in a few dense dimensions (latent semantic analysis), unit length."""
    count, features = vectors.shape
    sample = evenly_spaced(count, LSA_SAMPLE)
    dims = min(LSA_DIMENSIONS, len(sample) - 1, features - 1)
    if dims < 1:
        return np.zeros((count, 0))
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    svd = TruncatedSVD(dims, n_iter=LSA_ITERATIONS, random_state=0).fit(vectors[sample])
    return normalize(svd.transform(vectors)).astype(np.float64)


def tsne_with_landmarks(reduced: np.ndarray) -> np.ndarray:
    """t-SNE of evenly spaced landmarks; the others at a weighted mean of similar landmarks."""
    count = reduced.shape[0]
    chosen = evenly_spaced(count, LANDMARKS)
    from sklearn.manifold import TSNE

    tsne = TSNE(
        2,
        perplexity=min(PERPLEXITY, (len(chosen) - 1) / 3),
        early_exaggeration=EXAGGERATION,
        angle=ANGLE,
        max_iter=TSNE_ITERATIONS,
        init="pca",
        random_state=0,
    )
    placed = tsne.fit_transform(reduced[chosen])
    coords = np.empty((count, 2))
    coords[chosen] = placed
    rest = np.setdiff1d(np.arange(count), chosen)
    for start in range(0, len(rest), BLOCK_ROWS):
        rows = rest[start : start + BLOCK_ROWS]
        coords[rows] = interpolate(reduced[rows] @ reduced[chosen].T, placed)
    return coords


def interpolate(similarity: np.ndarray, placed: np.ndarray) -> np.ndarray:
    """Positions as the similarity-weighted mean of each row's nearest landmarks."""
    k = min(NEIGHBOURS, similarity.shape[1])
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    weights = np.clip(np.take_along_axis(similarity, nearest, axis=1), 0, None) ** 4
    weights[np.arange(len(weights)), weights.argmax(axis=1)] += 1e-9  # like none: at the best
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("rk,rkd->rd", weights, placed[nearest])


def fit_to_unit(coords: np.ndarray) -> np.ndarray:
    """Rotate the longest spread to horizontal, then scale uniformly into the unit box."""
    centred = coords - coords.mean(axis=0)
    if len(centred) > 1 and np.ptp(centred, axis=0).any():
        _, _, axes = np.linalg.svd(centred, full_matrices=False)
        axes *= np.where(axes.sum(axis=1, keepdims=True) < 0, -1, 1)  # a fixed orientation
        centred = centred @ axes.T
    spread = np.ptp(centred, axis=0) if len(centred) else np.zeros(2)
    scale = max(spread[0] / (WIDTH - 2 * MARGIN), spread[1] / (HEIGHT - 2 * MARGIN), 1e-12)
    low = centred.min(axis=0)
    box = np.array([WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN])
    offset = (box - spread / scale) / 2
    unit = (centred - low) / scale + offset + MARGIN
    return unit / np.array([WIDTH, HEIGHT])
