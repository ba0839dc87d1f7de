"""Render hrportal/access_table.py as Markdown: `access_table --write docs/access.md`, `--check` in CI."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hrportal.access_table import (
    ADMIN_MODELS,
    ADMIN_SITE_ROUTES,
    PORTAL_ROUTES,
    POST_PROBES,
    ROLES,
    Route,
    admin_model_routes,
)

INTRO = """# Who may open which page

Generated from `hrportal/access_table.py` by `python manage.py access_table --write docs/access.md`;
do not edit it by hand. `tests/hrportal/test_access_table.py` asks every cell with real objects,
fails when a route of the URLconf is missing here, and fails when this file is stale.

The rules (PRODUCT.md): an employee sees only their own data, a supervisor also their direct
reports, HC everything. An object outside the viewer's scope answers 404, so ids leak nothing;
a page the viewer's role may not use answers 403. The admin is for staff: it sends the anonymous
to its login page and answers 403 to everyone else who is not staff.

Roles, relative to the object a URL names (its *owner*):

| role | who |
| --- | --- |
| anonymous | not signed in |
| employee | the owner |
| colleague | same supervisor as the owner |
| supervisor | the owner's supervisor |
| other_supervisor | supervises someone else |
| hc | HC staff, not the owner |
| hc_owner | an HC member asking about their own object |
| superuser | IT |

Besides these cells, the test asks every object URL with the id of a stranger (nobody's report
here): on the portal's pages everyone but HC gets 404, and an id that does not exist answers the
same 404; in the admin, staff see a stranger's object as they see anyone's. A POST answered with
anything but a redirect to a page of the site must change nothing (no row, no email), and every
POST that would change something is refused (403) without a CSRF token.
"""


def _table(routes: list[Route], *, with_object: bool = True) -> list[str]:
    header = ["route", *(["object"] if with_object else []), *ROLES, "note"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for route in routes:
        outcomes = route.outcomes
        cells = [f"`{route.label.removeprefix(route.method + ' ')}`"]
        if with_object:
            cells.append(route.kind.value if route.kind else "")
        cells += [str(outcomes[role]) for role in ROLES]
        cells.append(route.note)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return lines


def render() -> str:
    parts = [INTRO, "## Portal pages (GET)", "", *_table(list(PORTAL_ROUTES)), ""]
    parts += ["## Requests that change something (POST)", "", *_table(list(POST_PROBES)), ""]
    parts += ["## Admin site (GET)", "", *_table(list(ADMIN_SITE_ROUTES)), ""]
    for model in ADMIN_MODELS:
        title = f"## Admin: {model.label}" + (f" ({model.note})" if model.note else "")
        parts += [title, "", f"Object pages are asked about: {model.kind.value}.", ""]
        parts += [*_table(admin_model_routes(model), with_object=False), ""]
    return "\n".join(parts).rstrip() + "\n"


class Command(BaseCommand):
    help = "Print the access table as Markdown, write it to a file, or check that the file is current."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--write", metavar="PATH", help="write the Markdown to PATH")
        group.add_argument("--check", metavar="PATH", help="fail when PATH differs from what --write would write")

    def handle(self, *args: Any, **options: Any) -> None:
        text = render()
        if options["write"]:
            Path(options["write"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {options['write']}.")
        elif options["check"]:
            path = Path(options["check"])
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is stale: it does not match hrportal/access_table.py.")
            self.stdout.write(f"{path} is current.")
        else:
            self.stdout.write(text, ending="")
