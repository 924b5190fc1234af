"""Which services of a stack may be left out when their image cannot be had here."""

from __future__ import annotations

from typing import Any

from grader.containers.compose_subset import left_out, needs, without

WORDPRESS: dict[str, Any] = {
    "services": {
        "db": {"image": "mariadb:11.4"},
        "wordpress": {
            "image": "wordpress",
            "depends_on": {"db": {}},
            "environment": {"WORDPRESS_DB_HOST": "db:3306"},
        },
        "phpmyadmin": {
            "image": "phpmyadmin",
            "depends_on": {"db": {}},
            "environment": {"PMA_HOST": "db"},
        },
    }
}


def test_an_extra_service_nobody_needs_is_left_out() -> None:
    assert left_out(WORDPRESS, {"phpmyadmin"}) == {"phpmyadmin"}


def test_a_service_another_depends_on_is_never_left_out() -> None:
    assert left_out(WORDPRESS, {"db"}) == set()


def test_a_service_named_in_another_environment_is_needed() -> None:
    config = {
        "services": {
            "notebook": {
                "image": "jupyter/base-notebook",
                "environment": {"DATABASE_URL": "postgresql://u:p@pg:5432/notes"},
            },
            "pg": {"image": "postgres:16"},
        }
    }
    assert needs(config, "notebook") == {"pg"}
    assert left_out(config, {"pg"}) == set()


def test_a_links_alias_is_a_need() -> None:
    config = {"services": {"web": {"links": ["db:mysql"]}, "db": {"image": "mysql"}}}
    assert needs(config, "web") == {"db"}


def test_nothing_is_left_out_when_nothing_would_run() -> None:
    assert left_out(WORDPRESS, {"db", "wordpress", "phpmyadmin"}) == set()


def test_the_copy_lacks_the_services_left_out_and_the_original_is_untouched() -> None:
    smaller = without(WORDPRESS, {"phpmyadmin"})
    assert set(smaller["services"]) == {"db", "wordpress"}
    assert "phpmyadmin" in WORDPRESS["services"]
