"""The survey's map page: colour groups, points, the topic filter and topic overlaps.

Positions come from map_layout.py (computed by the similarity stage); this module only
turns them into what templates/map.html displays.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from . import urls
from .facets import topics_with_ancestors
from .model import Survey

PALETTE = 16  # colour classes map-c0 .. map-c15 in style.css
MATRIX_TOPICS = 30  # the overlap table shows at most this many topics (the largest)
TOP_PAIRS = 15
SHADES = 5
WIDTH, HEIGHT = 1000, 700  # the map's viewBox


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
