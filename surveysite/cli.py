"""The command line: build, check, import, report and serve."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date
from pathlib import Path

from .build_site import Project, build, load_survey
from .problems import ContentError, Problem

log = logging.getLogger("surveysite")


def make_parser() -> argparse.ArgumentParser:
    """Arguments of every command."""
    parser = argparse.ArgumentParser(
        prog="python build.py", description="Build a static literature-survey site from content/."
    )
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="project folder (default: current folder)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build_cmd = commands.add_parser(
        "build",
        help="build the site into site/ (the default command)",
        description="Build the site from content/ into site/. A failed build leaves site/ as it was.",
    )
    add_build_options(build_cmd)
    check_cmd = commands.add_parser(
        "check",
        help="validate content without writing",
        description="Run every stage except the write; report every problem with file and line.",
    )
    check_cmd.add_argument("--strict", action="store_true", help="fail on warnings too")

    import_cmd = commands.add_parser(
        "import",
        help="add papers from a listing",
        description="Add papers to content/papers/ from a listing; existing records are merged, never overwritten.",
    )
    formats = import_cmd.add_subparsers(dest="format", metavar="FORMAT", required=True)
    hf = formats.add_parser(
        "hf-papers",
        help="text dumps of Hugging Face Daily Papers pages",
        description="Import text dumps of Hugging Face Daily Papers pages.",
    )
    hf.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_import_options(hf)
    for name, summary in IMPORT_FORMATS.items():
        fmt = formats.add_parser(
            name,
            help=summary,
            description=f"Import {summary}. Never uses the network; malformed entries are reported with file and line and skipped.",
        )
        fmt.add_argument("files", nargs="+", type=Path, metavar="FILE")
        add_import_options(fmt)

    commands.add_parser(
        "report",
        help="coverage report for curators",
        description="List papers in no topic, topics by size, papers caught by several match rules, and topics that share many papers.",
    )

    serve_cmd = commands.add_parser(
        "serve",
        help="preview with live reload on 127.0.0.1",
        description="Build, serve site/ on 127.0.0.1, rebuild on every change in content/, templates/ or static/, and reload the browser.",
    )
    serve_cmd.add_argument(
        "--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)"
    )
    return parser


IMPORT_FORMATS = {
    "bibtex": "BibTeX files (.bib)",
    "arxiv": "saved arXiv API responses (Atom XML)",
    "csl-json": "CSL-JSON files (e.g. Zotero's CSL JSON export)",
}


def add_import_options(command: argparse.ArgumentParser) -> None:
    """Options shared by the import formats."""
    command.add_argument(
        "--added",
        type=date.fromisoformat,
        default=None,
        help="date to record as 'added' (default: today, or SOURCE_DATE_EPOCH)",
    )


def add_build_options(command: argparse.ArgumentParser) -> None:
    """Options shared by build."""
    command.add_argument("--strict", action="store_true", help="fail on warnings too")
    command.add_argument("--output", type=Path, default=None, help="output folder (default: site/)")


def print_problems(problems: list[Problem]) -> None:
    """Print problems, errors first, then a count."""
    for problem in sorted(problems, key=lambda p: (p.warning, p.path, p.line)):
        print(problem, file=sys.stderr)


def run_build(args: argparse.Namespace, write: bool) -> int:
    """Build or check; print problems; return the exit code."""
    project = Project.at(args.root.resolve(), getattr(args, "output", None))
    try:
        result = build(project, write=write, strict=args.strict)
    except ContentError as error:
        print_problems(error.problems)
        errors = sum(not p.warning or args.strict for p in error.problems)
        print(
            f"{errors} problem(s); the site was not {'written' if write else 'checked OK'}.",
            file=sys.stderr,
        )
        return 1
    print_problems(result.warnings)
    if not write:
        log.info(
            "content OK: %d papers, %d topics, %d files",
            len(result.survey.papers),
            len(result.survey.topics),
            len(result.files),
        )
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Import a listing into content/papers/."""
    from . import import_arxiv, import_bibtex, import_csl, import_hf
    from .views import today

    importers = {
        "hf-papers": (import_hf.import_hf_papers, import_hf.format_report),
        "bibtex": (import_bibtex.import_bibtex, import_bibtex.format_bibtex_report),
        "arxiv": (import_arxiv.import_arxiv, import_arxiv.format_arxiv_report),
        "csl-json": (import_csl.import_csl, import_csl.format_csl_report),
    }
    run, summarise = importers[args.format]
    report = run(args.files, args.root / "content" / "papers", added=args.added or today())
    print(summarise(report))
    return 1 if report.files_failed else 0


def run_report(args: argparse.Namespace) -> int:
    """Print the coverage report."""
    from .coverage_report import coverage_report

    try:
        survey, _ = load_survey(Project.at(args.root.resolve()))
    except ContentError as error:
        print_problems(error.problems)
        return 1
    print(coverage_report(survey))
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Preview the site with live reload."""
    from .serve import serve

    return serve(Project.at(args.root.resolve()), args.port)


def environment_problem() -> str | None:
    """What is wrong with the environment variables a run reads, if anything.

    SOURCE_DATE_EPOCH, when set, must be whole seconds since 1970 (the reproducible-builds
    rule; numpy, which the related papers load, fails on anything else).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not (epoch.isascii() and epoch.isdigit()):
        return (
            f"SOURCE_DATE_EPOCH={epoch!r}: expected a Unix time in whole seconds (digits only),"
            " or the variable unset"
        )
    return None


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python build.py`."""
    args = make_parser().parse_args(argv)
    problem = environment_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    command = args.command or "build"
    if command == "build":
        args.strict = getattr(args, "strict", False)
        return run_build(args, write=True)
    if command == "check":
        return run_build(args, write=False)
    runners = {"import": run_import, "report": run_report, "serve": run_serve}
    return runners[command](args)
