"""Stage 5: render planned pages with Jinja2 (autoescaped, undefined variables are errors)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2

from . import urls
from .problems import ContentError, Problem
from .views import Page


def make_environment(templates_dir: Path, asset_versions: dict[str, str]) -> jinja2.Environment:
    """A Jinja environment for HTML: autoescape on, StrictUndefined, asset URLs versioned."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a build's templates do not change while it runs
    )

    def asset(path: str) -> str:
        """A static file's URL (relative to root) with a content hash for cache busting."""
        version = asset_versions.get(path)
        return f"static/{path}?v={version}" if version else f"static/{path}"

    env.globals["asset"] = asset
    for name in env.list_templates():  # now, once: forked processes share them
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            pass  # reported with its line by render_page, when a page uses the template
    return env


def asset_versions(static_dir: Path) -> dict[str, str]:
    """A short content hash for every static file, by path relative to static/."""
    return {
        path.relative_to(static_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        for path in sorted(static_dir.rglob("*"))
        if path.is_file()
    }


def render_page(env: jinja2.Environment, page: Page) -> bytes:
    """One page's HTML; template mistakes are reported as problems with the template's line."""
    try:
        html = env.get_template(page.template).render(page.view)
    except jinja2.TemplateSyntaxError as error:
        raise ContentError(
            [
                Problem(
                    f"templates/{error.name or page.template}",
                    error.lineno,
                    "",
                    f"template syntax error: {error.message}",
                )
            ]
        ) from None
    except jinja2.UndefinedError as error:
        raise ContentError(
            [
                Problem(
                    f"templates/{page.template}",
                    template_line(error),
                    "",
                    f"undefined variable while rendering {urls.output_path(page.url)}: {error.message}",
                )
            ]
        ) from None
    return html.encode("utf-8")


def template_line(error: Exception) -> int:
    """The template line an error was raised from, found in the traceback."""
    tb, line = error.__traceback__, 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".html"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_pages(env: jinja2.Environment, pages: list[Page]) -> dict[str, bytes]:
    """Render all pages into output files keyed by path."""
    return {urls.output_path(page.url): render_page(env, page) for page in pages}
