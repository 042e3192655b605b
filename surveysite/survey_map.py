"""The survey's map: a 2-D layout of the papers from their text, colour groups, topic overlaps.

Layout: TF-IDF rows -> LSA (TruncatedSVD, 50 dimensions, fitted on at most LSA_SAMPLE papers)
-> t-SNE of at most LANDMARKS papers; every other paper is placed among its most similar
landmarks. Both fits are bounded however large the survey, and the rest is products in
blocks. Everything runs on one thread with fixed seeds, so two builds give the same map.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
from scipy import sparse

from . import urls
from .facets import topics_with_ancestors
from .model import Survey

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
WIDTH, HEIGHT = 1000, 700  # the map's viewBox
MARGIN = 12
PALETTE = 16  # colour classes map-c0 .. map-c15 in style.css
MATRIX_TOPICS = 30  # the overlap table shows at most this many topics (the largest)
TOP_PAIRS = 15
SHADES = 5


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


def root_topic(survey: Survey, slug: str) -> str:
    """The top-level topic above `slug` (itself if it has no parent)."""
    seen = {slug}
    while (parent := survey.topics[slug].parent) in survey.topics and parent not in seen:
        seen.add(parent)
        slug = parent
    return slug


def colour_groups(survey: Survey) -> dict[str, str | None]:
    """Each paper's colour group: the top-level topic of its main topic (None: no topic).

    With more top-level topics than colours, the largest keep a colour and the rest share
    the group "" (other topics).
    """
    group = {}
    for paper_id in survey.papers:
        main = survey.main_topic(paper_id)
        group[paper_id] = root_topic(survey, main) if main else None
    sizes = Counter(g for g in group.values() if g)
    if len(sizes) > PALETTE:
        order = list(survey.topics)
        kept = sorted(sizes, key=lambda s: (-sizes[s], order.index(s)))[: PALETTE - 1]
        group = {pid: (g if g in kept or g is None else "") for pid, g in group.items()}
    return group


def colour_key(survey: Survey) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Each paper's colour class, and the legend: class, label, topic slug and paper count."""
    groups = colour_groups(survey)
    sizes = Counter(groups.values())
    roots = [slug for slug in survey.topics if slug in sizes]
    classes: dict[str | None, str] = {slug: f"map-c{n}" for n, slug in enumerate(roots)}
    classes.update({"": "map-other", None: "map-none"})
    labels = {"": "Other topics", None: "No topic yet"}
    keys = roots + [key for key in ("", None) if key in sizes]
    entries = [
        {
            "colour": classes[key],
            "title": survey.topics[key].title if key else labels[key],
            "slug": key or "",
            "count": sizes[key],
        }
        for key in keys
    ]
    return {pid: classes[group] for pid, group in groups.items()}, entries


def points(survey: Survey) -> list[dict[str, Any]]:
    """Every paper as a point: position in the viewBox, colour, title, link, topic numbers."""
    classes, _ = colour_key(survey)
    numbers = {slug: n for n, slug in enumerate(survey.topics)}
    found = []
    for paper_id, paper in survey.papers.items():
        x, y = survey.positions.get(paper_id, (0.5, 0.5))
        topics = topics_with_ancestors(survey, paper_id)
        main = survey.main_topic(paper_id)
        found.append(
            {
                "url": urls.paper_url(paper_id),
                "title": paper.title,
                "x": round(x * WIDTH),
                "y": round(y * HEIGHT),
                "colour": classes[paper_id],
                "topics": " ".join(str(n) for n in sorted(numbers[s] for s in topics)),
                "main": numbers[main] if main else "",
            }
        )
    return found


def topic_filter(survey: Survey) -> list[dict[str, Any]]:
    """The topics a reader can narrow the map to, in tree order, with their paper counts."""
    return [
        {
            "slug": slug,
            "number": n,
            "title": topic.title,
            "depth": survey.depth[slug],
            "count": len(survey.subtree_papers(slug)),
        }
        for n, (slug, topic) in enumerate(survey.topics.items())
    ]


def overlap(survey: Survey) -> dict[str, Any]:
    """Which topics share papers: a table of the largest topics and the top pairs."""
    sets = {slug: set(members) for slug, members in survey.members.items()}
    order = list(survey.topics)
    largest = sorted(order, key=lambda s: (-len(sets[s]), order.index(s)))[:MATRIX_TOPICS]
    shown = [s for s in order if s in largest and sets[s]]
    shared = {(a, b): len(sets[a] & sets[b]) for a in shown for b in shown if a != b}
    top = max(shared.values(), default=0)
    rows = [
        {
            "number": i + 1,
            "title": survey.topics[a].title,
            "url": urls.topic_url(a),
            "cells": [
                {"count": len(sets[a]), "shade": "overlap-self"}
                if a == b
                else {"count": shared[a, b], "shade": f"overlap-{shade(shared[a, b], top)}"}
                for b in shown
            ],
        }
        for i, a in enumerate(shown)
    ]
    return {"rows": rows, "pairs": top_pairs(survey, sets), "all_shown": len(shown) == len(order)}


def shade(count: int, top: int) -> int:
    """A shade from 0 (no shared paper) to SHADES (the most shared)."""
    return 0 if count == 0 or top == 0 else max(1, math.ceil(SHADES * count / top))


def top_pairs(survey: Survey, sets: dict[str, set[str]]) -> list[dict[str, Any]]:
    """The pairs of topics sharing the most papers, most first."""
    order = list(survey.topics)
    pairs = [
        (len(sets[a] & sets[b]), i, j)
        for i, a in enumerate(order)
        for j, b in enumerate(order[i + 1 :], start=i + 1)
        if sets[a] & sets[b]
    ]
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return [
        {
            "count": count,
            "a": {"title": survey.topics[order[i]].title, "url": urls.topic_url(order[i])},
            "b": {"title": survey.topics[order[j]].title, "url": urls.topic_url(order[j])},
            "share": round(100 * count / len(sets[order[i]] | sets[order[j]])),
        }
        for count, i, j in pairs[:TOP_PAIRS]
    ]


def map_view(survey: Survey) -> dict[str, Any]:
    """What the map page shows."""
    _, key = colour_key(survey)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "points": points(survey),
        "legend": key,
        "topic_filter": topic_filter(survey),
        "overlap": overlap(survey),
    }
