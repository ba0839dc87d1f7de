"""Per-person page fragments, cached under keys made of version stamps (issue 13, "Faster pages").

Rendering a person's pages (the gap dashboard, the IDP, career, history) costs far more than
their queries, and the same person's page stays the same until something about them, or the
framework, changes. So the expensive parts of a page, `{% cached_fragment "name" %}` blocks
in its template, are kept in the cache under a key that holds:

- the version stamps the page depends on (`PageStamp`, in the database so that every worker
  and app server agrees): "framework" and one per person shown (the employee, the viewer,
  a team's members). The services bump them in the transaction of the change, explicitly,
  never through signals: `bump_people(ids)` for levels, IDP items, ratings, a person's
  position, section or supervisor; `bump_framework()` for the matrix (targets), descriptors,
  assessments, mappings, career paths; every POST through the admin bumps the framework
  (hrportal/admin_site.py), so whatever HC edits there is seen at once;
- the language, the time zone and today's date there (pages say "overdue", "expires in …");
- the viewer (a supervisor's view of a report is not the employee's own);
- the release (a digest of the templates, code and catalogues), so a deploy never serves the
  previous release's HTML from a shared cache.

A change makes a new key; the old entry is never read again and ages out. What changes with
time alone (a level lapsing at 14:00, an assessment window closing) is handled by the entry's
timeout: the page tells `page_fragments` when its content would next change by itself.

Never cached: a request with a query string (`?as_of=`, a page number, a filter) or anything
but GET; the navbar, the messages and the CSRF token are outside the fragments or put in
when the fragment is served (`CSRF_PLACEHOLDER`), so nothing of one session reaches another.
"""

import hashlib
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from hrportal.models import PageStamp, User

FRAMEWORK = "framework"
# What {% csrf_token %} writes while a fragment is rendered for the cache; the request's own
# token replaces it whenever the fragment is served (a cached form still posts).
CSRF_PLACEHOLDER = "page-cache-csrf-token-placeholder"
# Stamps are random 62-bit values, not counters: two bumps in parallel transactions both
# make a new value, and no value comes back after a restore or a rollback.
_STAMP_BITS = 62
# Folders whose files never render a page.
_NOT_RENDERING = {"tests", "bench", "docs", "node_modules", "__pycache__", "static", "media"}


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


def _bump(scopes: Iterable[str]) -> None:
    stamps = [PageStamp(scope=scope, version=secrets.randbits(_STAMP_BITS)) for scope in sorted(set(scopes))]
    if stamps:
        PageStamp.objects.bulk_create(
            stamps, update_conflicts=True, unique_fields=["scope"], update_fields=["version"], batch_size=500
        )


# PostgreSQL: lock the people's rows (in id order) and then upsert their stamps, in one
# statement: the insert reads the locked rows, so the locks come first.
_LOCK_AND_BUMP = """
    WITH locked AS (SELECT id FROM {users} WHERE id = ANY(%s) ORDER BY id FOR UPDATE)
    INSERT INTO {stamps} (scope, version) SELECT 'user:' || id, %s FROM locked
    ON CONFLICT (scope) DO UPDATE SET version = EXCLUDED.version
"""


def bump_people(user_ids: Iterable[int | None]) -> None:
    """What the pages show of these people changed (levels, IDP items, ratings, position,
    section, supervisor). One statement, in the caller's transaction, which also locks their
    user rows until it ends (competencies.services.lock_employee_levels is this call): a
    transaction that bumps someone holds their row first, so two such never wait on each
    other's stamp and row in opposite orders. SQLite, which has no row locks, upserts only."""
    ids = sorted({pk for pk in user_ids if pk is not None})
    if not ids:
        return
    if connection.vendor != "postgresql":
        _bump(user_scope(pk) for pk in ids)
        return
    sql = _LOCK_AND_BUMP.format(
        users=connection.ops.quote_name(User._meta.db_table), stamps=connection.ops.quote_name(PageStamp._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, secrets.randbits(_STAMP_BITS)])


def bump_framework() -> None:
    """Something every person's pages may show changed (targets, competencies, descriptors,
    assessments, mappings, career paths). One upsert."""
    _bump([FRAMEWORK])


@cache
def release() -> str:
    """A digest of what renders the pages (templates, Python code, compiled catalogues), or
    PAGE_CACHE_RELEASE when the deploy sets one. Worked out once per process."""
    if settings.PAGE_CACHE_RELEASE:
        return settings.PAGE_CACHE_RELEASE
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder, dirs, files in os.walk(base):  # symbolic links (.venv) are not followed
        dirs[:] = sorted(name for name in dirs if not name.startswith(".") and name not in _NOT_RENDERING)
        for name in sorted(files):
            if name.endswith((".py", ".html", ".mo")):
                path = Path(folder, name)
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _stamps(scopes: Sequence[str]) -> str:
    """The stamps of `scopes` as one digest (a scope never bumped counts as 0). One query."""
    found = dict(PageStamp.objects.filter(scope__in=scopes).values_list("scope", "version"))
    text = ",".join(f"{scope}={found.get(scope, 0)}" for scope in sorted(set(scopes)))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _seconds_until_midnight(now: datetime) -> int:
    local = timezone.localtime(now)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - local).total_seconds()))


@dataclass
class PageFragments:
    """A page's cached fragments: `parts` from the cache ({name: html}), or None on a miss,
    when the template's {% cached_fragment %} tags fill `rendered` and `render_page` stores it."""

    key: str
    parts: dict[str, str] | None
    changes_at: Callable[[datetime], datetime | None] | None = None
    rendered: dict[str, str] = field(default_factory=dict)

    @property
    def hit(self) -> bool:
        return self.parts is not None

    def store(self, now: datetime) -> None:
        if not self.rendered:
            return
        seconds = min(settings.PAGE_CACHE_SECONDS, _seconds_until_midnight(now))
        changes_at = self.changes_at(now) if self.changes_at else None
        if changes_at is not None:
            seconds = min(seconds, int((changes_at - now).total_seconds()))
        if seconds > 0:
            caches[settings.PAGE_CACHE_ALIAS].set(self.key, self.rendered, seconds)


def page_fragments(
    request: HttpRequest,
    *,
    page: str,
    people: Iterable[int],
    extra: str = "",
    changes_at: Callable[[datetime], datetime | None] | None = None,
) -> PageFragments | None:
    """The cached fragments of `page` for this request, or None when the request may not use
    the cache (a query string, not GET, caching off). `people`: the ids whose stamps the page
    depends on (the viewer's is added); `extra`: anything else the content depends on (a
    team stamp, a competency id); `changes_at(now)`: when the content next changes by time
    alone (a level lapsing), called on a miss only. One query (the stamps) and one cache read."""
    viewer_id = request.user.pk
    if not settings.PAGE_CACHE_SECONDS or request.method != "GET" or request.GET or viewer_id is None:
        return None
    scopes = [FRAMEWORK, user_scope(viewer_id), *(user_scope(pk) for pk in people)]
    key = ":".join(
        [
            "page",
            release(),
            page,
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            timezone.localdate().isoformat(),
            str(viewer_id),
            extra,
            _stamps(scopes),
        ]
    )
    parts = caches[settings.PAGE_CACHE_ALIAS].get(key)
    return PageFragments(key=key, parts=parts if isinstance(parts, dict) else None, changes_at=changes_at)


def render_page(
    request: HttpRequest,
    template_name: str,
    *,
    fragments: PageFragments | None,
    context: dict,
    build: Callable[[], dict],
) -> HttpResponse:
    """Render `template_name`. On a hit, with `context` only (what the page needs outside its
    fragments: title, heading); otherwise with `build()` too (the selectors), storing the
    fragments the template rendered."""
    now = timezone.now()
    if fragments is None or not fragments.hit:
        context = {**context, **build()}
    response = render(request, template_name, {**context, "page_fragments": fragments})
    if fragments is not None and not fragments.hit:
        fragments.store(now)
    return response
