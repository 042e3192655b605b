"""The built real survey: links, assets and anchors resolve under a sub-path and at a root."""

from __future__ import annotations

from surveysite.build_site import Project, build
from tests.conftest import REPO
from tests.site_checks import broken_links


def test_links_resolve_under_a_sub_path(real_site):
    assert broken_links(real_site, mount="/survey/") == []


def test_links_resolve_at_a_domain_root(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEYSITE_BASE_URL", "https://survey.example.org")
    build(Project.at(REPO, output=tmp_path / "site"))
    assert broken_links(tmp_path / "site", mount="/") == []


def test_fixture_site_links_resolve(project):
    build(project)
    assert broken_links(project.output, mount="/") == []
