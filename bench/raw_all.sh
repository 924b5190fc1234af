#!/bin/bash
# The engine's own work behind `grader check --all` on fixtures/sample, as raw docker and
# compose commands (what a careful teacher would type to check the same things by hand).
# Usage: bench/raw_all.sh COMPOSE_BINARY
set -euo pipefail
C="$1"
S="$(cd "$(dirname "$0")/../fixtures/sample" && pwd)"
W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
cp -r "$S"/. "$W"/
wait_http() { until curl -sfL "$1" | grep -q "$2"; do sleep 0.2; done; }
free_port() { docker port "$1" "$2" | head -1 | cut -d: -f2; }
# ex1: build, run cowsay
docker build -q -t raw-ex1 "$W/ex1" >/dev/null
docker run --rm raw-ex1 /usr/games/cowsay bonjour >/dev/null
docker run --rm raw-ex1 >/dev/null
# ex2: up, HTTP, down
$C -f "$W/ex2/compose.yaml" -p raw-ex2 up -d 2>/dev/null
wait_http http://localhost:8082/ nginx
$C -f "$W/ex2/compose.yaml" -p raw-ex2 down -v --timeout 3 2>/dev/null
# ex3: up, HTTP, write two notebooks, down, up, look, down
$C -f "$W/ex3/compose.yaml" -p raw-ex3 up -d 2>/dev/null
wait_http http://localhost:8888/ Jupyter
docker exec -u root notebook sh -c 'echo {} > /home/jovyan/work/a.ipynb; echo {} > /home/jovyan/b.ipynb'
$C -f "$W/ex3/compose.yaml" -p raw-ex3 down --timeout 3 2>/dev/null
$C -f "$W/ex3/compose.yaml" -p raw-ex3 up -d 2>/dev/null
docker exec notebook test -f /home/jovyan/work/a.ipynb
! docker exec notebook test -f /home/jovyan/b.ipynb
$C -f "$W/ex3/compose.yaml" -p raw-ex3 down -v --timeout 3 2>/dev/null
# ex5: build, serve, HTTP
docker build -q -t raw-ex5 "$W/ex5" >/dev/null
docker run -d --name raw-ex5 -p 80 raw-ex5 >/dev/null
wait_http "http://localhost:$(free_port raw-ex5 80)/" Bonjour
docker rm -f raw-ex5 >/dev/null
# ex6: up (waits for the healthy database), HTTP, insert, down, up, select, down
$C -f "$W/ex6/compose.yaml" -p raw-ex6 up -d 2>/dev/null
wait_http http://localhost:8000/wp-admin/install.php WordPress
q() { docker exec raw-ex6-db-1 sh -c "mariadb -uroot -p\"\$MARIADB_ROOT_PASSWORD\" -N -e '$1'"; }
q "CREATE DATABASE IF NOT EXISTS p; CREATE TABLE IF NOT EXISTS p.t (v INT); INSERT INTO p.t VALUES (42);"
$C -f "$W/ex6/compose.yaml" -p raw-ex6 down --timeout 3 2>/dev/null
$C -f "$W/ex6/compose.yaml" -p raw-ex6 up -d 2>/dev/null
until q "SELECT v FROM p.t" 2>/dev/null | grep -q 42; do sleep 0.5; done
$C -f "$W/ex6/compose.yaml" -p raw-ex6 down -v --timeout 3 2>/dev/null
# ex7: build, history, serve, HTTP
docker build -q -t raw-ex7 "$W/ex7" >/dev/null
docker history raw-ex7 >/dev/null
docker run -d --name raw-ex7 -p 8080 raw-ex7 >/dev/null
wait_http "http://localhost:$(free_port raw-ex7 8080)/" busybox
docker rm -f raw-ex7 >/dev/null
docker rmi raw-ex1 raw-ex5 raw-ex7 >/dev/null
