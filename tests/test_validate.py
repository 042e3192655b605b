"""Bad input: every problem reported at once, as `path:line: field: message`."""

from __future__ import annotations

import pytest

from surveysite.build_site import build, load_survey
from surveysite.problems import ContentError
from tests.conftest import PAPERS, TOPICS, write_content

GOOD = "title: A paper\nabstract: Text.\n"


def problems_for(tmp_path, papers=None, topics=None, strict=False, raw_files=None) -> list[str]:
    """Write the fixture survey plus the given files; return the problems as strings."""
    project = write_content(tmp_path, {**PAPERS, **(papers or {})}, {**TOPICS, **(topics or {})})
    for name, data in (raw_files or {}).items():
        (project.content / name).write_bytes(data)
    with pytest.raises(ContentError) as caught:
        load_survey(project, strict=strict)
    return [str(p) for p in caught.value.problems]


CASES = {
    "yaml syntax": (
        {"x": "title: [unclosed\nabstract: a\n"},
        None,
        "content/papers/x.yaml:2: invalid YAML: while parsing a flow sequence (started on line 1)",
    ),
    "empty file": ({"x": ""}, None, "content/papers/x.yaml:1: file is empty"),
    "not a mapping": ({"x": "- a\n- b\n"}, None, "content/papers/x.yaml:1: expected YAML fields"),
    "missing title": (
        {"x": "abstract: a\n"},
        None,
        "content/papers/x.yaml:1: title: required field is missing",
    ),
    "empty abstract": (
        {"x": "title: T\nabstract: ''\n"},
        None,
        "content/papers/x.yaml:2: abstract: is empty",
    ),
    "bad year": (
        {"x": GOOD + "year: twenty\n"},
        None,
        "content/papers/x.yaml:3: year: expected a year such as 2024, got 'twenty'",
    ),
    "authors string": (
        {"x": GOOD + "authors: Ada Lovelace\n"},
        None,
        "content/papers/x.yaml:3: authors: expected a list (one '- item' per line), got one string",
    ),
    "topics not list": (
        {"x": GOOD + "topics: 3\n"},
        None,
        "content/papers/x.yaml:3: topics: expected a list, got '3'",
    ),
    "unknown topic": (
        {"x": GOOD + "topics: [spikin]\n"},
        None,
        "content/papers/x.yaml:3: topics: no topic 'spikin' (did you mean 'spiking'?)",
    ),
    "javascript url": (
        {"x": GOOD + "url: javascript:alert(1)\n"},
        None,
        "content/papers/x.yaml:3: url: 'javascript:' links are not allowed",
    ),
    "data pdf": (
        {"x": GOOD + "pdf: 'data:text/html,<b>'\n"},
        None,
        "content/papers/x.yaml:3: pdf: 'data:' links are not allowed",
    ),
    "unsafe id": (
        {"Bad Id": GOOD},
        None,
        "content/papers/Bad Id.yaml:1: file name 'Bad Id' is not a valid paper id",
    ),
    "non-ascii id": ({"café": GOOD}, None, "is not a valid paper id"),
    "duplicate title": (
        {"x": "title: 'Attention is enough!'\nabstract: a\n"},
        None,
        "content/papers/x.yaml:1: title: same title as content/papers/attention-is-enough.yaml",
    ),
    "duplicate arxiv": (
        {"x": 'title: Other\nabstract: a\narxiv: "2301.00001v2"\n'},
        None,
        "same arxiv as content/papers/spiking-networks-for-robots.yaml",
    ),
    "duplicate key": (
        {"x": GOOD + "title: again\n"},
        None,
        "content/papers/x.yaml:3: invalid YAML: duplicate key 'title'",
    ),
    "unclosed front matter": (
        None,
        {"t": "---\ntitle: T\nsummary: S\n"},
        "content/topics/t.md:1: front matter is not closed",
    ),
    "no front matter": (
        None,
        {"t": "# Just text\n"},
        "content/topics/t.md:1: expected front matter",
    ),
    "missing paper": (
        None,
        {"t": "---\ntitle: T\nsummary: S\npapers:\n  - nope\n---\n"},
        "content/topics/t.md:5: papers: no paper 'nope'",
    ),
    "missing citation": (
        None,
        {"t": "---\ntitle: T\nsummary: S\n---\n\nText [@attention-is-enuf].\n"},
        "content/topics/t.md:6: citation: cites '@attention-is-enuf', but there is no such paper (did you mean 'attention-is-enough'?)",
    ),
    "missing parent": (
        None,
        {"t": "---\ntitle: T\nsummary: S\nparent: archi\n---\n"},
        "content/topics/t.md:4: parent: no topic 'archi'",
    ),
    "parent cycle": (
        None,
        {
            "a": "---\ntitle: A\nsummary: S\nparent: b\n---\n",
            "b": "---\ntitle: B\nsummary: S\nparent: a\n---\n",
        },
        "content/topics/a.md:4: parent: parents form a cycle",
    ),
    "markdown javascript link": (
        None,
        {"t": "---\ntitle: T\nsummary: S\n---\n[x](javascript:alert(1))\n"},
        "content/topics/t.md:5: link: 'javascript:' links are not allowed",
    ),
    "section without papers": (
        None,
        {"t": "---\ntitle: T\nsummary: S\npapers:\n  - section: Theory\n---\n"},
        "content/topics/t.md:5: papers: section 'Theory' needs a 'papers:' list",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_reported_with_file_and_line(tmp_path, name):
    papers, topics, expected = CASES[name]
    messages = problems_for(tmp_path, papers, topics)
    assert any(expected in m for m in messages), messages


def test_all_problems_of_a_run_are_reported_together(tmp_path):
    messages = problems_for(
        tmp_path,
        {"a": "title: [\n", "b": GOOD + "year: x\n", "c": GOOD + "authors: One\n"},
        {"t": "---\ntitle: T\nsummary: S\n---\n[@nope]\n"},
    )
    assert len([m for m in messages if "warning" not in m]) == 4, messages


def test_broken_record_does_not_cascade(tmp_path):
    messages = problems_for(
        tmp_path, {"a": "title: [\n"}, {"t": "---\ntitle: T\nsummary: S\npapers: [a]\n---\n[@a]\n"}
    )
    assert len(messages) == 1 and "content/papers/a.yaml" in messages[0]


def test_not_utf8(tmp_path):
    messages = problems_for(
        tmp_path, raw_files={"papers/x.yaml": "title: caf\xe9\nabstract: a\n".encode("latin-1")}
    )
    assert any("content/papers/x.yaml:1: file is not UTF-8" in m for m in messages)


def test_bom_and_crlf_are_accepted(tmp_path):
    project = write_content(tmp_path)
    text = "\ufefftitle: Windows paper\r\nabstract: Written on Windows.\r\n"
    (project.content / "papers" / "windows.yaml").write_bytes(text.encode("utf-8"))
    topic = (
        "\ufeff---\r\ntitle: W\r\nsummary: S\r\npapers: [windows]\r\n---\r\nText [@windows].\r\n"
    )
    (project.content / "topics" / "w.md").write_bytes(topic.encode("utf-8"))
    survey, _ = load_survey(project)
    assert survey.papers["windows"].title == "Windows paper"
    assert survey.members["w"] == ("windows",)


def test_unknown_field_warns_and_fails_under_strict(tmp_path):
    project = write_content(tmp_path, {**PAPERS, "x": GOOD + "yaer: 2020\n"})
    _, warnings = load_survey(project)
    assert [str(w) for w in warnings if "yaer" in str(w)] == [
        "content/papers/x.yaml:3: warning: yaer: unknown field (did you mean 'year'?)"
    ]
    with pytest.raises(ContentError):
        load_survey(project, strict=True)


def test_template_with_undefined_variable_is_an_error(project):
    template = project.templates / "search.html"
    template.write_text(
        template.read_text().replace("{% endblock %}", "{{ no_such_variable }}{% endblock %}")
    )
    with pytest.raises(ContentError) as caught:
        build(project, write=False)
    assert "templates/search.html" in str(caught.value) and "no_such_variable" in str(caught.value)


def test_duplicate_ids_across_extensions(tmp_path):
    messages = problems_for(
        tmp_path, raw_files={"papers/pruning-lottery-tickets.yml": GOOD.encode()}
    )
    assert any("duplicate paper id 'pruning-lottery-tickets'" in m for m in messages), messages
