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

The whole page is kept too, under the fragments' key and what the navbar adds (the view,
for its active link, and the viewer's unread notification count), for as long as the
fragments: on a hit it is served as it is, without rendering a template, which is most of what
a page costs. Not when the request carries messages to show (they are shown once).

Never cached: anything but GET, or a request with a query string (`?as_of=`, a page number,
a filter) unless the page puts what it reads of it in the key itself (`query_in_extra`). The
CSRF token is put in when a fragment or page is served (`CSRF_PLACEHOLDER`) and the messages
are never cached, so nothing of one session reaches another.
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
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection
from django.db.models import CharField, Count, Expression, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import timezone, translation

from hrportal.context_processors import unread_notification_count
from hrportal.models import Notification, PageStamp, User

FRAMEWORK = "framework"
# What {% csrf_token %} writes while a fragment is rendered for the cache; the request's own
# token replaces it whenever the fragment is served (a cached form still posts).
CSRF_PLACEHOLDER = "page-cache-csrf-token-placeholder"
# Stamps are random 62-bit values, not counters: two bumps in parallel transactions both
# make a new value, and no value comes back after a restore or a rollback.
_STAMP_BITS = 62
# In a stored fragments entry: when it expires (a POSIX timestamp), so that the whole page
# stored beside it later expires with it.
_EXPIRES = "__expires_at__"
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


def _unread_count(viewer: User) -> Coalesce:
    """The viewer's unread notification count as a subquery (computed once per query)."""
    unread = (
        Notification.objects.for_recipient(viewer).unread().order_by().values("recipient").annotate(n=Count("pk"))
    ).values("n")
    return Coalesce(Subquery(unread), 0)


@dataclass(frozen=True)
class ReadStamps:
    """Stamps read with a page's people (rows_with_stamps): {scope: version or None} for the
    framework, the viewer and each person, and the viewer's unread notification count."""

    versions: dict[str, int | None]
    unread: int


def _stamps_and_unread(scopes: Sequence[str], viewer: User, known: ReadStamps | None = None) -> tuple[str, int]:
    """The stamps of `scopes` as one digest (a scope never bumped counts as 0), and the
    viewer's unread notification count (the navbar's bell, part of the whole page's key).
    None when `known` has them all (read with the page's people); otherwise one query: the
    count rides along as a subquery, computed once for all rows; a second one only when none
    of the scopes was ever bumped (a new database)."""
    if known is not None and known.versions.keys() >= set(scopes):
        found, count = known.versions, known.unread
    else:
        rows = list(
            PageStamp.objects.filter(scope__in=scopes)
            .annotate(unread=_unread_count(viewer))
            .values_list("scope", "version", "unread")
        )
        found = {scope: version for scope, version, _ in rows}
        count = rows[0][2] if rows else unread_notification_count(viewer)
    text = ",".join(f"{scope}={found.get(scope) or 0}" for scope in sorted(set(scopes)))
    return hashlib.sha256(text.encode()).hexdigest()[:24], count


def _stamp_of(scope: Expression | str) -> Subquery:
    return Subquery(PageStamp.objects.filter(scope=scope).values("version")[:1])


def rows_with_stamps(
    queryset: QuerySet, *, viewer: User, people: Sequence[str], also: Sequence[str] = ()
) -> tuple[list[tuple], ReadStamps | None]:
    """The rows of `queryset` as tuples of its `people` fields (each a person's id, or None) and
    `also` fields, and what a page of them is keyed by, read in the same query: the stamps of
    those people, the framework's and the viewer's, and the viewer's unread count, for
    page_fragments(stamps=...). A page whose people are found by a query (a team, a queue)
    needs no second query for their stamps. None for the stamps when there are no rows
    (page_fragments then reads the framework's and the viewer's itself)."""
    annotations: dict[str, Expression | Subquery] = {
        f"_stamp_{n}": _stamp_of(Concat(Value("user:"), Cast(OuterRef(name), CharField())))
        for n, name in enumerate(people)
    }
    annotations |= {
        "_stamp_framework": _stamp_of(FRAMEWORK),
        "_stamp_viewer": _stamp_of(user_scope(viewer.pk)),
        "_unread": _unread_count(viewer),
    }
    width = len(people) + len(also)
    found = list(queryset.order_by().annotate(**annotations).values_list(*people, *also, *annotations))
    if not found:
        return [], None
    versions: dict[str, int | None] = {FRAMEWORK: found[0][-3], user_scope(viewer.pk): found[0][-2]}
    for row in found:
        for pk, version in zip(row[: len(people)], row[width:], strict=False):
            if pk is not None:
                versions[user_scope(pk)] = version
    return [row[:width] for row in found], ReadStamps(versions, found[0][-1])


def _seconds_until_midnight(now: datetime) -> int:
    local = timezone.localtime(now)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - local).total_seconds()))


@dataclass
class PageFragments:
    """A page's cached fragments: `parts` from the cache ({name: html}), or None on a miss,
    when the template's {% cached_fragment %} tags fill `rendered` and `render_page` stores it.
    `page`: the whole page from the cache (its `page_key`), served as it is; `page_key` is None
    when the whole page may not be kept (messages to show)."""

    key: str
    page_key: str | None = None
    page: tuple[bytes, ...] | None = None  # the page's bytes, split where the CSRF token goes
    unread_count: int = 0
    changes_at: Callable[[datetime], datetime | None] | None = None
    rendered: dict[str, str] = field(default_factory=dict)
    _parts: dict[str, str] | None = None
    _looked_up: bool = False

    @property
    def parts(self) -> dict[str, str] | None:
        if not self._looked_up:
            found = caches[settings.PAGE_CACHE_ALIAS].get(self.key)
            self._parts = found if isinstance(found, dict) else None
            self._looked_up = True
        return self._parts

    @property
    def hit(self) -> bool:
        return self.page is not None or self.parts is not None

    def seconds_left(self, now: datetime) -> int:
        """How long what was rendered now may be kept: until the fragments' entry expires."""
        if self.parts is not None:
            expires_at = self.parts.get(_EXPIRES)
            return int(float(expires_at) - now.timestamp()) if expires_at else 0
        seconds = min(settings.PAGE_CACHE_SECONDS, _seconds_until_midnight(now))
        changes_at = self.changes_at(now) if self.changes_at else None
        if changes_at is not None:
            seconds = min(seconds, int((changes_at - now).total_seconds()))
        return seconds

    def store(self, now: datetime, seconds: int) -> None:
        if not self.rendered or seconds <= 0:
            return
        entry = {**self.rendered, _EXPIRES: str(now.timestamp() + seconds)}
        caches[settings.PAGE_CACHE_ALIAS].set(self.key, entry, seconds)


def page_fragments(
    request: HttpRequest,
    *,
    page: str,
    people: Iterable[int],
    extra: str = "",
    changes_at: Callable[[datetime], datetime | None] | None = None,
    stamps: ReadStamps | None = None,
    query_in_extra: bool = False,
) -> PageFragments | None:
    """The cached fragments of `page` for this request, or None when the request may not use
    the cache (a query string, not GET, caching off). `people`: the ids whose stamps the page
    depends on (the viewer's is added); `extra`: anything else the content depends on (a
    team stamp, a competency id); `changes_at(now)`: when the content next changes by time
    alone (a level lapsing), called on a miss only; `stamps`: those read with the page's
    people (rows_with_stamps), not read again; `query_in_extra`: `extra` holds all of the query
    string the content depends on (the caller checked it), so a request with one may use the
    cache too (the organisation report's filters). One query (the stamps and the unread count),
    none when `stamps` has them, and one cache read; a second read, for the fragments, when
    the whole page missed."""
    viewer = request.user
    if (
        not settings.PAGE_CACHE_SECONDS
        or request.method != "GET"
        or (request.GET and not query_in_extra)
        or viewer.pk is None
    ):
        return None
    scopes = [FRAMEWORK, user_scope(viewer.pk), *(user_scope(pk) for pk in people)]
    digest, unread = _stamps_and_unread(scopes, viewer, stamps)  # type: ignore[arg-type]
    key = ":".join(
        [
            "page",
            release(),
            page,
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            timezone.localdate().isoformat(),
            str(viewer.pk),
            extra,
            digest,
        ]
    )
    fragments = PageFragments(key=key, changes_at=changes_at, unread_count=unread)
    # Messages are shown once, in the page around the fragments: such a page is rendered.
    if not len(get_messages(request)):
        match = request.resolver_match
        fragments.page_key = f"{key}:{match.view_name if match else ''}:{fragments.unread_count}"
        found = caches[settings.PAGE_CACHE_ALIAS].get(fragments.page_key)
        fragments.page = found if isinstance(found, tuple) else None
    return fragments


def _with_token(pieces: tuple[bytes, ...], request: HttpRequest) -> bytes:
    """The page with this request's CSRF token where the placeholder was: kept split there, so
    serving it is one join, not a search through a page of a hundred KiB or more."""
    return get_token(request).encode().join(pieces) if len(pieces) > 1 else pieces[0]


def render_page(
    request: HttpRequest,
    template_name: str,
    *,
    fragments: PageFragments | None,
    context: dict,
    build: Callable[[], dict],
) -> HttpResponse:
    """Render `template_name`, or serve the whole page from the cache. On a fragments hit,
    with `context` only (what the page needs outside its fragments: title, heading);
    otherwise with `build()` too (the selectors), storing the fragments the template
    rendered, and the whole page when it may be kept."""
    if fragments is not None and fragments.page is not None:
        return HttpResponse(_with_token(fragments.page, request))
    now = timezone.now()
    if fragments is None or not fragments.hit:
        context = {**context, **build()}
    context = {**context, "page_fragments": fragments}
    whole = fragments is not None and fragments.page_key is not None
    if fragments is not None:
        # The count the key was made with (the navbar would count again).
        context["nav_unread_count"] = fragments.unread_count
    if whole:
        # Rendered once for every session that will see it, as a fragment is.
        context["csrf_token"] = CSRF_PLACEHOLDER
    response = render(request, template_name, context)
    if fragments is None:
        return response
    seconds = fragments.seconds_left(now)
    if not fragments.hit:
        fragments.store(now, seconds)
    if whole:
        pieces = tuple(response.content.split(CSRF_PLACEHOLDER.encode()))
        if seconds > 0:
            caches[settings.PAGE_CACHE_ALIAS].set(fragments.page_key, pieces, seconds)
        response.content = _with_token(pieces, request)
    return response
