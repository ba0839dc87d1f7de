"""The commands the documentation shows work when pasted as written (issue 13).

README.md and bench/README.md are pasted by newcomers into a fresh clone: there the system
`python3` may be too old and has no Django, and manage.py without DEBUG stops for a missing
SECRET_KEY. So every command in their ```sh blocks runs through `make manage ARGS="…"`, or
the virtualenv's Python with `DEBUG=True`, or `python` after the block activated the
virtualenv and exported DEBUG. In every document (docs/*.md too, whose deployment commands
run on a server with its environment set) a `make` target must exist, a manage.py command
must exist and accept the options shown, and a file a command reads must be in the
repository or written by an earlier command of the same document.
"""

import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, get_commands, load_command_class

REPO = Path(settings.BASE_DIR)
# Read by newcomers in a fresh clone: the strict rules apply.
PASTED = ["README.md", "bench/README.md"]
DOCUMENTS = PASTED + sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md"))

_BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
_SEPARATORS = {"&&", "||", ";", "|"}


def makefile_targets() -> set[str]:
    text = (REPO / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9_-]*):(?!=)", text, re.MULTILINE))


@dataclass
class Block:
    """What a shell session has done so far: the virtualenv activated, DEBUG exported."""

    activated: bool = False
    debug: bool = False


@dataclass
class Document:
    path: str
    problems: list[str] = field(default_factory=list)
    written: set[str] = field(default_factory=set)  # files its export commands write

    @property
    def pasted(self) -> bool:
        return self.path in PASTED


def shell_lines(block: str) -> list[str]:
    """The block's commands: backslash continuations joined, blank and comment lines dropped."""
    lines = block.replace("\\\n", " ").splitlines()
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def simple_commands(line: str) -> list[list[str]]:
    words = shlex.split(line, comments=True)
    commands: list[list[str]] = [[]]
    for word in words:
        if word in _SEPARATORS:
            commands.append([])
        else:
            commands[-1].append(word)
    return [command for command in commands if command]


def check_manage(doc: Document, where: str, args: list[str], *, exists_only: bool = False) -> None:
    if not args:
        doc.problems.append(f"{where}: manage.py without a command")
        return
    name, options = args[0], args[1:]
    commands = get_commands()
    if name == "help":
        for other in options:
            if other not in commands:
                doc.problems.append(f"{where}: `help {other}`: no such command")
        return
    if name not in commands:
        doc.problems.append(f"{where}: no manage.py command `{name}`")
        return
    if exists_only:
        return
    command = load_command_class(commands[name], name)
    try:
        parsed = command.create_parser("manage.py", name).parse_args(options)
    except CommandError as error:
        doc.problems.append(f"{where}: `{name} {' '.join(options)}`: {error}")
        return
    source = getattr(parsed, "file", None)
    if name.startswith("export_") and source:
        doc.written.add(source)
    elif name.startswith("import_") and source and source not in doc.written and not (REPO / source).is_file():
        doc.problems.append(
            f"{where}: `{name}` reads {source}, which is neither in the repository nor written by an earlier export"
        )


def check_make(doc: Document, where: str, words: list[str], targets: set[str]) -> None:
    assignments = dict(word.split("=", 1) for word in words if _ASSIGNMENT.match(word))
    goals = [word for word in words if not _ASSIGNMENT.match(word) and not word.startswith("-")]
    for goal in goals:
        if goal not in targets:
            doc.problems.append(f"{where}: no make target `{goal}`")
    if "manage" in goals and "…" not in assignments.get("ARGS", "…"):  # "…": the form, not a command
        check_manage(doc, where, shlex.split(assignments["ARGS"]))


def check_command(doc: Document, where: str, words: list[str], block: Block, targets: set[str]) -> None:
    env: dict[str, str] = {}
    while words and _ASSIGNMENT.match(words[0]):
        key, value = words[0].split("=", 1)
        env[key] = value
        words = words[1:]
    if not words:
        return
    program, args = words[0], words[1:]
    debug = block.debug or env.get("DEBUG", "").lower() in {"true", "1", "yes", "on"}
    if program == "source" and args and args[0].endswith(".venv/bin/activate"):
        block.activated = True
    elif program == "export":
        block.debug = block.debug or any(re.fullmatch(r"DEBUG=(?i:true|1|yes|on)", arg) for arg in args)
    elif program == "make":
        check_make(doc, where, args, targets)
    elif program in {"python", "python3", ".venv/bin/python"} or program.endswith("/manage.py"):
        if program.endswith("manage.py"):
            args = ["manage.py", *args]
        venv = program == ".venv/bin/python" or (block.activated and program != "python3")
        if doc.pasted and not venv:
            doc.problems.append(
                f"{where}: `{program}` is not the virtualenv's Python in a fresh clone; "
                'write `make manage ARGS="…"` or `DEBUG=True .venv/bin/python …`'
            )
        if args and args[0] == "manage.py":
            if doc.pasted and not debug:
                doc.problems.append(f"{where}: manage.py without DEBUG=True stops for a missing SECRET_KEY")
            check_manage(doc, where, args[1:])
        elif args and args[0].endswith(".py") and not (REPO / args[0]).is_file():
            doc.problems.append(f"{where}: no script {args[0]}")


def check_document(path: str, targets: set[str]) -> Document:
    doc = Document(path)
    text = (REPO / path).read_text()
    for match in _BLOCK.finditer(text):
        block = Block()
        first_line = text.count("\n", 0, match.start()) + 2
        for line in shell_lines(match.group(1)):
            where = f"{path}, block at line {first_line}: {line.strip()[:60]}"
            for words in simple_commands(line):
                check_command(doc, where, words, block, targets)
    # Commands quoted in the prose: `make …` and `manage.py …` must exist; a pasted document
    # never shows a bare `python manage.py` in its text either.
    prose = _BLOCK.sub("", text)
    for span in _INLINE.findall(prose):
        where = f"{path}: `{span}`"
        try:
            words = shlex.split(span)
        except ValueError:
            continue
        if words[:1] == ["make"] and len(words) > 1:
            check_make(doc, where, words[1:], targets)
        elif words[:2] in (["python", "manage.py"], ["python3", "manage.py"]) and doc.pasted:
            doc.problems.append(f'{where}: write `make manage ARGS="…"`, which works in a fresh clone')
        elif words[:1] == ["manage.py"] and len(words) > 1:
            check_manage(doc, where, [word for word in words[1:] if not word.startswith("[")], exists_only=True)
    return doc


@pytest.fixture
def served_settings(settings):
    # The tests run tasks at once; the commands are documented for the database backend
    # that serving uses (prune_db_task_results refuses another).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.parametrize("path", DOCUMENTS)
def test_every_documented_command_exists_takes_its_options_and_finds_its_files(path, served_settings):
    problems = check_document(path, makefile_targets()).problems
    assert not problems, "\n".join(problems)


def test_the_check_finds_what_a_newcomer_would_trip_over():
    # The test above passes on a clean document only if this one shows it would notice.
    targets = makefile_targets()
    doc = Document("README.md")
    for line in [
        "python manage.py import_matrix matrix.xlsx",  # system Python, no DEBUG
        ".venv/bin/python manage.py check",  # no DEBUG
        'make manage ARGS="import_matrix matrix.xlsx --dry-rum"',  # a misspelt option
        'make manage ARGS="import_matrx matrix.xlsx"',  # no such command
        "make serve-forever",  # no such target
    ]:
        for words in simple_commands(line):
            check_command(doc, line, words, Block(), targets)
    expected = [
        "`python` is not the virtualenv's Python",
        "without DEBUG=True",  # the first line's
        "reads matrix.xlsx, which is neither in the repository nor written by an earlier export",
        "without DEBUG=True",  # the second line's
        "unrecognized arguments: --dry-rum",
        "no manage.py command `import_matrx`",
        "no make target `serve-forever`",
    ]
    assert len(doc.problems) == len(expected), doc.problems
    for problem, words in zip(doc.problems, expected, strict=True):
        assert words in problem

    fine = Document("README.md")
    block = Block()
    for line in [
        'make manage ARGS="export_matrix matrix.xlsx"',
        'make manage ARGS="import_matrix matrix.xlsx --dry-run"',
        "source .venv/bin/activate && export DEBUG=True",
        "python manage.py help import_matrix",
    ]:
        for words in simple_commands(line):
            check_command(fine, line, words, block, targets)
    assert fine.problems == []


def test_make_run_serves_on_the_port_asked_and_make_manage_uses_development_settings():
    def dry_run(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed arguments
            # PYTHON named, so that make does not look for an interpreter (slow through pyenv's shims).
            ["make", "--dry-run", "--always-make", "PYTHON=python3", *args],  # noqa: S607 - make from PATH
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    run = dry_run("run", "PORT=8001")
    assert "runserver 127.0.0.1:8001" in run
    assert "SITE_URL=http://127.0.0.1:8001" in run  # so the links in emails point at it too
    assert "runserver 127.0.0.1:8000" in dry_run("run")
    assert "DEBUG=True .venv/bin/python manage.py export_matrix matrix.xlsx" in dry_run(
        "manage", "ARGS=export_matrix matrix.xlsx"
    )
    # The long steps say what they are doing before they start.
    install = dry_run("venv")
    assert "Installing the pinned requirements (about a minute" in install
