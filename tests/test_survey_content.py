"""The real survey: taxonomy bounds, coverage, and a written narrative for every topic."""

from __future__ import annotations

import re

import pytest

from surveysite import markup
from surveysite.build_site import Project, load_survey
from tests.conftest import REPO


@pytest.fixture(scope="module")
def survey():
    survey, warnings = load_survey(Project.at(REPO), strict=True)
    assert warnings == []
    return survey


def test_every_paper_is_in_a_topic(survey):
    assert [pid for pid in survey.papers if not survey.paper_topics.get(pid)] == []


def test_taxonomy_size(survey):
    assert 18 <= len(survey.topics) <= 30


def test_topic_sizes_within_bounds(survey):
    limit = 0.15 * len(survey.papers)
    sizes = {slug: len(members) for slug, members in survey.members.items()}
    assert {s: n for s, n in sizes.items() if not 5 <= n <= limit} == {}


def test_every_paper_has_a_main_topic_that_lists_it(survey):
    for paper_id, paper in survey.papers.items():
        assert paper.topics, f"{paper.path}: no main topic"
        assert paper_id in survey.members[paper.topics[0]], paper.path


def narrative_words(body: str) -> int:
    return len(re.sub(r"\[@[^\]]*\]", "", body).split())


def test_every_topic_has_a_narrative(survey):
    for topic in survey.topics.values():
        words = narrative_words(topic.body)
        assert 200 <= words <= 600, f"{topic.path}: {words} words"


def test_narratives_cite_their_own_papers(survey):
    for slug, topic in survey.topics.items():
        cited = [
            c.paper_id for c in markup.citations(survey.narratives[slug].tokens, topic.body_line)
        ]
        assert len(set(cited)) >= 5, f"{topic.path}: cites {len(set(cited))} papers"
        missing = [pid for pid in cited if pid not in survey.papers]
        outside = [
            pid for pid in cited if pid in survey.papers and pid not in survey.subtree_papers(slug)
        ]
        assert missing == [] and outside == [], topic.path


def test_topics_group_papers_into_sections(survey):
    for slug, topic in survey.topics.items():
        named = [s for s in survey.sections[slug] if s.title]
        assert len(named) >= 2, topic.path
        assert sum(1 for s in named for p in s.papers if p.note) >= 2, topic.path


def test_home_page_has_reading_path(survey):
    assert len(survey.home.cited) >= 5
    assert "topics/surveys-and-overviews/" in survey.site.home_body
