"""The curators' coverage report: gaps, sizes and overlaps of the topics."""

from __future__ import annotations

from itertools import combinations

from .model import Survey

OVERLAP_SHOWN = 15


def unassigned(survey: Survey) -> list[str]:
    """Papers that no topic lists."""
    return [pid for pid in survey.papers if not survey.paper_topics.get(pid)]


def overlaps(survey: Survey) -> list[tuple[int, str, str]]:
    """Pairs of topics (not parent and child) sharing papers, most shared first."""
    pairs = []
    for a, b in combinations(survey.topics, 2):
        if survey.topics[a].parent == b or survey.topics[b].parent == a:
            continue
        shared = len(set(survey.members[a]) & set(survey.members[b]))
        if shared:
            pairs.append((shared, a, b))
    return sorted(pairs, key=lambda item: (-item[0], item[1], item[2]))


def coverage_report(survey: Survey) -> str:
    """The report as plain text."""
    total = len(survey.papers)
    lines = [f"{total} papers, {len(survey.topics)} topics", ""]
    missing = unassigned(survey)
    lines.append(f"Papers in no topic: {len(missing)}")
    lines += [f"  {survey.papers[pid].path}  {survey.papers[pid].title}" for pid in missing]
    lines += ["", "Topics by size (papers listed, share of the survey, main topic of):"]
    mains: dict[str, int] = {}
    for pid in survey.papers:
        main = survey.main_topic(pid)
        if main:
            mains[main] = mains.get(main, 0) + 1
    by_size = sorted(survey.topics, key=lambda s: (-len(survey.members[s]), s))
    for slug in by_size:
        count = len(survey.members[slug])
        share = 100 * count / total if total else 0
        lines.append(f"  {count:5d}  {share:5.1f}%  {mains.get(slug, 0):5d}  {slug}")
    multi = {pid: slugs for pid, slugs in survey.matched_by.items() if len(slugs) > 1}
    lines += ["", f"Papers caught by several match rules: {len(multi)}"]
    lines += [f"  {pid}: {', '.join(slugs)}" for pid, slugs in sorted(multi.items())]
    pairs = overlaps(survey)
    lines += ["", f"Topics sharing papers (top {OVERLAP_SHOWN} of {len(pairs)} pairs):"]
    lines += [f"  {shared:4d}  {a} + {b}" for shared, a, b in pairs[:OVERLAP_SHOWN]]
    return "\n".join(lines)
