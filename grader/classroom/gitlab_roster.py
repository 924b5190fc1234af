"""A GitLab group as a roster: one student per project of the group (subgroups included).

The server is `$GITLAB_URL`, else `$CI_SERVER_URL` (inside GitLab CI), else gitlab.com; the
token is `$GRADER_GITLAB_TOKEN` or `$GITLAB_TOKEN` (scope `read_api` + `read_repository`).
The token is never written in a URL, a journal or a report: git receives it as an HTTP header
for the clone only.
"""

from __future__ import annotations

import base64
import os

from grader.classroom.roster_entry import Entry, RosterError, safe_id

TOKEN_VARIABLES = ("GRADER_GITLAB_TOKEN", "GITLAB_TOKEN")


def server_url() -> str:
    return os.environ.get("GITLAB_URL") or os.environ.get("CI_SERVER_URL") or "https://gitlab.com"


def token() -> str | None:
    return next((os.environ[v] for v in TOKEN_VARIABLES if os.environ.get(v)), None)


def auth_header() -> str | None:
    """The `Authorization` header git sends to clone with the token (GitLab's `oauth2` user)."""
    secret = token()
    if not secret:
        return None
    return "Authorization: Basic " + base64.b64encode(f"oauth2:{secret}".encode()).decode()


def group_entries(group_path: str) -> list[Entry]:
    import gitlab
    import gitlab.exceptions

    if not group_path:
        raise RosterError("gitlab://: give the group's path, e.g. gitlab://course-2026/students")
    client = gitlab.Gitlab(server_url(), private_token=token(), timeout=30)
    try:
        group = client.groups.get(group_path)
        projects = group.projects.list(
            iterator=True, include_subgroups=True, archived=False, order_by="path", sort="asc"
        )
        entries = [_entry(p, group_path) for p in projects]
    except gitlab.exceptions.GitlabError as error:
        raise RosterError(f"gitlab://{group_path} on {server_url()}: {_reason(error)}") from error
    except OSError as error:  # requests' connection errors derive from it
        raise RosterError(f"{server_url()}: cannot reach the server ({error})") from error
    return entries


def _entry(project: object, group_path: str) -> Entry:
    full = str(getattr(project, "path_with_namespace", ""))
    relative = full.removeprefix(group_path).strip("/") or str(getattr(project, "path", ""))
    return Entry(
        student=safe_id(relative.replace("/", "__")),
        name=str(getattr(project, "name", relative)),
        source=str(getattr(project, "http_url_to_repo", "")),
    )


def _reason(error: Exception) -> str:
    code = getattr(error, "response_code", None)
    if code == 401:
        return "the token is missing or invalid (set GRADER_GITLAB_TOKEN)"
    if code == 404:
        return "no such group, or the token cannot see it"
    return str(error) or type(error).__name__
