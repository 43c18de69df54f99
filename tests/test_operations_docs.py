"""The operator's documents do not lie: every script, management command,
option and compose service that the README's "Production" section and
docs/operations.md tell an operator to use exists, the documents they link
to exist, and the README's steps come in the order an empty host needs."""

import re
import shlex
from functools import cache
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
OPERATIONS = ROOT / "docs" / "operations.md"

# Written at the same time as these documents, elsewhere: tolerated while
# they are missing, checked like everything else once they are there.

CRON_FIELD = re.compile(r"^[\d*/,-]+$")
OPERATORS = {"&&", "||", "|", ";"}
# docker compose options that take a value, so that the value is not read as a service.
COMPOSE_VALUE_OPTIONS = {"--since", "--tail", "-e", "--env", "-u", "--user", "-w", "--workdir"}
COMPOSE_SERVICE_COMMANDS = {"run", "exec", "logs", "stop", "start", "restart", "ps"}


def production_section() -> str:
    text = README.read_text()
    start = text.index("\n## Production\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def documents() -> dict[str, str]:
    return {
        "README.md#Production": production_section(),
        "docs/operations.md": OPERATIONS.read_text(),
    }


def code_blocks(text: str) -> list[str]:
    """The shell blocks (```sh, ```bash or bare), dedented."""
    blocks = re.findall(r"^([ \t]*)```(\w*)[ \t]*\n(.*?)^[ \t]*```", text, re.MULTILINE | re.DOTALL)
    return [
        "\n".join(line[len(indent) :] for line in body.splitlines())
        for indent, language, body in blocks
        if language in ("", "sh", "bash", "console")
    ]


def without_code_blocks(text: str) -> str:
    return re.sub(r"^[ \t]*```.*?^[ \t]*```", "", text, flags=re.MULTILINE | re.DOTALL)


def inline_spans(text: str) -> list[str]:
    spans = re.findall(r"`([^`]+)`", without_code_blocks(text))
    return [" ".join(span.split()) for span in spans]


def simple_commands(line: str) -> list[list[str]]:
    """A shell line as its simple commands' words: no cron schedule, no
    redirections, no leading VAR=value."""
    words = shlex.split(line, comments=True)
    if len(words) > 5 and all(CRON_FIELD.match(word) for word in words[:5]):
        words = words[5:]
    commands: list[list[str]] = [[]]
    for word in words:
        if word in OPERATORS:
            commands.append([])
        elif not re.match(r"^\d?[<>]", word):
            commands[-1].append(word)
    out = []
    for command in commands:
        while command and re.match(r"^[A-Z_]+=", command[0]):
            command = command[1:]
        if command:
            out.append(command)
    return out


def commands_of(text: str) -> list[list[str]]:
    """Every command in the code blocks, and every inline span that is one."""
    found = []
    for block in code_blocks(text):
        for line in block.replace("\\\n", " ").splitlines():
            found.extend(simple_commands(line))
    for span in inline_spans(text):
        if re.match(r"^(scripts/|(python3? )?manage\.py |docker compose )", span):
            found.extend(simple_commands(span))
    return found


@cache
def script_options(script: str) -> set[str]:
    """The options a script's argument loop takes (``--keep) ...``)."""
    source = (ROOT / script).read_text()
    return set(re.findall(r"^\s+(--[a-z][a-z-]*)(?:\s*\|\s*-\w)?\)", source, re.MULTILINE))


@cache
def command_options(name: str) -> set[str]:
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("manage.py", name)
    return set(parser._option_string_actions)


def compose_services() -> set[str]:
    return set(yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"])


def option_name(word: str) -> str:
    return word.split("=", 1)[0]


def problems_in(commands: list[list[str]]) -> list[str]:
    problems = []
    services = compose_services()
    for words in commands:
        shown = " ".join(words)
        if words[0] == "bash" and len(words) > 1:
            words = words[1:]
        if words[0].startswith("scripts/"):
            script = ROOT / words[0]
            if not script.is_file():
                problems.append(f"{shown}: no {words[0]}")
                continue
            for word in words[1:]:
                if word.startswith("--") and option_name(word) not in script_options(words[0]):
                    problems.append(f"{shown}: {words[0]} takes no {option_name(word)}")
        if "manage.py" in words:
            at = words.index("manage.py")
            name = words[at + 1] if at + 1 < len(words) else ""
            if name not in get_commands():
                problems.append(f"{shown}: no management command {name!r}")
                continue
            for word in words[at + 2 :]:
                if word.startswith("-") and option_name(word) not in command_options(name):
                    problems.append(f"{shown}: {name} takes no {option_name(word)}")
        if words[:2] == ["docker", "compose"] and len(words) > 2:
            if words[2] not in COMPOSE_SERVICE_COMMANDS:
                continue
            rest = iter(words[3:])
            for word in rest:
                if word in COMPOSE_VALUE_OPTIONS:
                    next(rest, None)
                elif not word.startswith("-"):
                    if word not in services:
                        problems.append(f"{shown}: no compose service {word!r}")
                    break
    return problems


@pytest.mark.parametrize("document", ["README.md#Production", "docs/operations.md"])
def test_every_command_script_and_option_named_exists(document):
    text = documents()[document]
    commands = commands_of(text)
    assert len(commands) >= 5
    assert problems_in(commands) == []


@pytest.mark.parametrize("document", ["README.md#Production", "docs/operations.md"])
def test_every_option_named_on_its_own_belongs_to_a_command_the_document_uses(document):
    """``--keep N`` in the prose is an option of a script or of a management
    command that the same document runs."""
    text = documents()[document]
    known: set[str] = set()
    for words in commands_of(text):
        if words[0].startswith("scripts/") and (ROOT / words[0]).is_file():
            known |= script_options(words[0])
        if "manage.py" in words and words[words.index("manage.py") + 1] in get_commands():
            known |= command_options(words[words.index("manage.py") + 1])
    alone = [span.split()[0] for span in inline_spans(text) if span.startswith("--")]
    assert alone
    assert [option for option in alone if option not in known] == []


@pytest.mark.parametrize("document", ["README.md#Production", "docs/operations.md"])
def test_the_documents_it_points_to_exist(document):
    text = documents()[document]
    base = OPERATIONS.parent if document == "docs/operations.md" else ROOT
    named = {
        (base / link).resolve().relative_to(ROOT).as_posix()
        for link in re.findall(r"\]\(([^)#:]+)\)", text)
    }
    named |= {
        span
        for span in inline_spans(text)
        if re.fullmatch(r"(docs/[\w./-]+\.md|\.env\.example|scripts/[\w.-]+)", span)
    }
    for block in code_blocks(text):
        named |= set(re.findall(r"(?<![\w/])(\.env\.example|docs/[\w-]+\.md)", block))
    missing = {path for path in named if not (ROOT / path).exists()}
    assert missing == set()
    assert "docs/operations.md" in named or document == "docs/operations.md"


def test_the_readme_walks_an_empty_host_to_a_restored_backup_in_order():
    section = production_section()
    steps = [int(n) for n in re.findall(r"^(\d+)\. \*\*", section, re.MULTILINE)]
    assert steps == list(range(1, len(steps) + 1))
    commands = [" ".join(words) for words in commands_of(section)]
    order = [
        "git clone",
        "cp .env.example .env",
        "docker compose up -d --build",
        "docker compose run --rm web python manage.py create_user",
        "curl -s http://127.0.0.1:8000/healthz",
        "scripts/backup.sh --compose",
        "scripts/restore.sh --compose",
    ]
    at = [
        next(i for i, command in enumerate(commands) if command.startswith(step)) for step in order
    ]
    assert at == sorted(at)


def test_the_backup_schedule_is_a_cron_line_that_runs_the_backup_in_the_stack():
    cron = [
        line
        for block in code_blocks(production_section())
        for line in block.splitlines()
        if "scripts/backup.sh" in line
    ]
    assert cron
    fields = cron[0].split()
    assert all(CRON_FIELD.match(field) for field in fields[:5])
    assert {"--compose", "--keep"} <= set(fields)


def test_the_env_example_lists_what_the_readme_asks_to_fill():
    example = ROOT / ".env.example"
    section = production_section()
    table = section[section.index("| in `.env` |") :]
    asked = set(re.findall(r"`([A-Z][A-Z_]+)`", table[: table.index("\n\n")]))
    assert {"DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "METRICS_TOKEN"} <= asked
    if not example.exists():
        pytest.skip(".env.example is not there yet")
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", example.read_text(), re.MULTILINE))
    assert asked <= listed
