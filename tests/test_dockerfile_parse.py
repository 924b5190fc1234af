"""Dockerfiles read as Docker reads them (buildkit's parser, `grader.containers.dockerfile.instructions`):
the odd forms students write. No Docker engine needed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.classroom.similarity import dockerfile_features
from grader.containers.dockerfile import Instruction, instructions
from grader.containers.image_files import source_of


def read(text: str) -> list[tuple[str, str, int]]:
    return [(i.keyword, i.args, i.line) for i in instructions(text)]


def test_continuation_lines_with_comments_and_blank_lines_between_them() -> None:
    text = (
        "FROM debian:12\n"
        "RUN apt-get update \\\n"
        "    # the packages\n"
        "    && apt-get install -y \\\n"
        "\n"
        "      curl\n"
        "CMD bash\n"
    )
    # Docker drops the comment and the blank line and keeps each continuation line's indent.
    assert read(text) == [
        ("FROM", "debian:12", 1),
        ("RUN", "apt-get update     && apt-get install -y       curl", 2),
        ("CMD", "bash", 7),
    ]


def test_a_backslash_at_the_end_of_a_word_joins_without_a_space() -> None:
    assert read("FROM a\nRUN echo ab\\\ncd\n") == [("FROM", "a", 1), ("RUN", "echo abcd", 2)]


def test_the_escape_directive_makes_the_backquote_the_continuation_character() -> None:
    text = (
        "# escape=`\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "COPY app C:\\app\\\n"
        "RUN dir `\n"
        "    C:\\app\n"
    )
    # `C:\app\` ends in a backslash, which no longer continues the line.
    assert read(text) == [
        ("FROM", "mcr.microsoft.com/windows/servercore:ltsc2022", 2),
        ("COPY", "app C:\\app\\", 3),
        ("RUN", "dir     C:\\app", 4),
    ]


def test_an_escape_directive_after_an_instruction_is_a_comment() -> None:
    assert read("FROM a\n# escape=`\nRUN echo \\\n  b\n") == [
        ("FROM", "a", 1),
        ("RUN", "echo   b", 3),
    ]


HEREDOCS = """\
# syntax=docker/dockerfile:1
FROM debian:12
RUN <<EOF
apt-get update
# a comment of the script
env DEBIAN_FRONTEND=noninteractive apt-get install -y curl
EOF
COPY <<-EOT /etc/motd
\tBienvenue
\tEOT
RUN cat <<A <<'B' > /tmp/ab
a
A
b
B
CMD ["bash"]
"""


def test_here_documents_are_read_as_the_body_of_their_instruction() -> None:
    steps = instructions(HEREDOCS)
    assert [(s.keyword, s.args, s.line) for s in steps] == [
        ("FROM", "debian:12", 2),
        ("RUN", "<<EOF", 3),
        ("COPY", "<<-EOT /etc/motd", 8),
        ("RUN", "cat <<A <<'B' > /tmp/ab", 11),
        ("CMD", '["bash"]', 16),
    ]
    assert steps[1].heredocs == (
        "apt-get update\n# a comment of the script\n"
        "env DEBIAN_FRONTEND=noninteractive apt-get install -y curl\n",
    )
    assert steps[2].heredocs == ("Bienvenue\n",)  # `<<-`: leading tabs stripped
    assert steps[3].heredocs == ("a\n", "b\n")
    assert steps[1].text.startswith("<<EOF\napt-get update\n")
    assert steps[4].exec_form == ["bash"]


def test_a_here_document_in_an_onbuild_and_with_crlf_endings() -> None:
    steps = instructions("FROM a\r\nONBUILD RUN <<EOF\r\necho hi\r\nEOF\r\nCMD x\r\n")
    assert [(s.keyword, s.args, s.line) for s in steps] == [
        ("FROM", "a", 1),
        ("ONBUILD", "RUN <<EOF", 2),
        ("CMD", "x", 5),
    ]
    assert steps[1].heredocs == ("echo hi\r\n",)  # the script as Docker hands it over


def test_an_unterminated_here_document_is_read_line_by_line() -> None:
    # Docker refuses it (the build check says so); the lines are still read.
    assert read("FROM a\nRUN <<EOF\necho hi\n") == [
        ("FROM", "a", 1),
        ("RUN", "<<EOF", 2),
        ("ECHO", "hi", 3),
    ]


def test_lower_case_keywords_and_flags() -> None:
    steps = instructions(
        "from node:22 as build\nrun npm ci\ncopy --from=build --chown=1000:1000 /app /srv\n"
    )
    assert [(s.keyword, s.args, s.line) for s in steps] == [
        ("FROM", "node:22 as build", 1),
        ("RUN", "npm ci", 2),
        ("COPY", "--from=build --chown=1000:1000 /app /srv", 3),
    ]
    assert steps[2].flags == ["--from=build", "--chown=1000:1000"]


def test_json_form_cmd_and_entrypoint() -> None:
    text = (
        "FROM nginx:1.27\n"
        'ENTRYPOINT ["/docker-entrypoint.sh"]\n'
        'CMD [ "nginx" , "-g",\\\n  "daemon off;" ]\n'
        "CMD nginx -g 'daemon off;'\n"
        "CMD ['nginx']\n"
        'CMD ["nginx"] -g\n'
        'COPY --chown=101 ["a b.html", "/usr/share/nginx/html/"]\n'
    )
    steps = instructions(text)
    assert [(s.keyword, s.args, s.line) for s in steps] == [
        ("FROM", "nginx:1.27", 1),
        ("ENTRYPOINT", '["/docker-entrypoint.sh"]', 2),
        ("CMD", '[ "nginx" , "-g",  "daemon off;" ]', 3),
        ("CMD", "nginx -g 'daemon off;'", 5),
        ("CMD", "['nginx']", 6),
        ("CMD", '["nginx"] -g', 7),
        ("COPY", '--chown=101 ["a b.html", "/usr/share/nginx/html/"]', 8),
    ]
    assert [s.exec_form for s in steps] == [
        None,
        ["/docker-entrypoint.sh"],
        ["nginx", "-g", "daemon off;"],
        None,
        None,  # single quotes are not JSON: the shell form
        None,  # text after the array: the shell form (Docker ≥ 23; buildkit 0.9 said JSON)
        ["a b.html", "/usr/share/nginx/html/"],
    ]


def test_a_byte_order_mark_and_crlf_line_endings() -> None:
    text = '\ufeffFROM nginx:1.27\r\nRUN echo a \\\r\n  b\r\nCMD ["nginx"]\r\n'
    steps = instructions(text)
    assert [(s.keyword, s.args, s.line) for s in steps] == [
        ("FROM", "nginx:1.27", 1),
        ("RUN", "echo a   b", 2),
        ("CMD", '["nginx"]', 4),
    ]
    assert steps[2].exec_form == ["nginx"]


@pytest.mark.parametrize("text", ["", "\n\n", "   \n\t\n", "\ufeff", "\\\n"])
def test_an_empty_file_has_no_instructions(text: str) -> None:
    assert read(text) == []


def test_a_file_of_only_comments_has_no_instructions() -> None:
    assert read("# syntax=docker/dockerfile:1\n# escape=`\n\n   # TODO\n") == []


def test_a_malformed_line_is_an_instruction_docker_does_not_know() -> None:
    assert read("FROM alpine\nthis is not an instruction\nRUN echo\n") == [
        ("FROM", "alpine", 1),
        ("THIS", "is not an instruction", 2),
        ("RUN", "echo", 3),
    ]


@pytest.mark.parametrize(
    "bad", ["ENV DEBUG", "LABEL maintainer", 'CMD ["sleep", 10]', "ENV A=1 B", "# escape=x"]
)
def test_a_dockerfile_docker_refuses_is_still_read(bad: str) -> None:
    # buildkit refuses the whole file; it is read line by line so the other checks still see it
    steps = instructions(f"{bad}\nFROM alpine\nRUN echo a \\\n  b\n")
    assert [(s.keyword, s.args, s.line) for s in steps][-2:] == [
        ("FROM", "alpine", 2),
        ("RUN", "echo a b", 3),
    ]


def test_text_python_cannot_hand_to_go_is_read_without_a_crash() -> None:
    # a NUL would cut the text short, a lone surrogate would crash the interpreter
    assert read("FROM a\nRUN x\x00y\n\ud800\nCMD z\n") == [
        ("FROM", "a", 1),
        ("RUN", "x\ufffdy", 2),
        ("\ufffd", "", 3),
        ("CMD", "z", 4),
    ]


def test_the_instruction_shape() -> None:
    step = Instruction("CMD", '["a"]', 3)
    assert (step.heredocs, step.flags, step.exec_form, step.text) == ((), [], ["a"], '["a"]')
    assert Instruction("FROM", '["a"]', 1).exec_form is None  # FROM has no JSON form


def test_copy_in_json_form_with_flags_names_its_source(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "accueil.html").write_text("<h1>Bonjour</h1>")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        'FROM nginx:1.27\nCOPY --chown=101 ["site/accueil.html", "/usr/share/nginx/html/index.html"]\n'
    )
    target = "/usr/share/nginx/html/index.html"
    assert source_of(dockerfile, target) == tmp_path / "site" / "accueil.html"
    dockerfile.write_text(
        'FROM nginx:1.27\nCOPY --from=build ["site/accueil.html", "/usr/share/nginx/html/index.html"]\n'
    )
    assert source_of(dockerfile, target) is None  # from another stage, not the context


def test_similarity_reads_the_dockerfile_as_docker_does() -> None:
    continued = dockerfile_features(
        "FROM debian:12\nRUN apt-get update \\\n  # packages\n  && apt-get install -y a\n"
    )
    assert continued == {"FROM debian:12", "RUN apt-get update", "RUN -y a apt-get install"}
    heredoc = dockerfile_features(
        "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y a\nEOF\n"
    )
    assert continued < heredoc  # the script's commands, and `RUN <<EOF`
    assert dockerfile_features("FROM a\nCOPY <<EOF /f\nx  =  1\nEOF\n") == {
        "FROM a",
        "COPY <<EOF /f",
        "COPY << x = 1",
    }


# Pieces of what students write, and of what breaks a parser, strung together.
PIECES = st.sampled_from(
    [
        "FROM a",
        "RUN",
        "run",
        "ENV",
        "ENV A",
        "ENV A=1 b",
        "LABEL",
        "CMD",
        "COPY",
        "ONBUILD",
        "HEALTHCHECK",
        "<<EOF",
        "<<-EOF",
        "<<'EOF'",
        '<<"E',
        "EOF",
        "\tEOF",
        "[",
        "]",
        '"a"',
        "1",
        ",",
        "\\",
        "`",
        "# escape=`",
        "#",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "\ufeff",
        "\x00",
        "--from=x",
        "&&",
        "é",
    ]
)


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_any_dockerfile_like_text_is_read_in_order(text: str) -> None:
    steps = instructions(text)
    lines = [s.line for s in steps]
    assert lines == sorted(set(lines)) and all(1 <= n <= text.count("\n") + 1 for n in lines)
    for step in steps:
        assert step.keyword == step.keyword.upper() and step.keyword
        assert step.exec_form is None or all(isinstance(w, str) for w in step.exec_form)
