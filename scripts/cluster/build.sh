#!/usr/bin/env bash
# Builds the single-node cluster's binaries from Debian's own `kubernetes` source package
# (1.20.2, bookworm), once per machine: the result is cached outside the repository, keyed by
# the source version, the patches in scripts/cluster/patches/ and this recipe.
#
# Prints the folder holding the binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy, pause) last on stdout. A second run is instant.
#
# What it takes from Debian: the source (a deb-src line for bookworm is added), golang-go 1.19,
# gcc for the static pause binary. The three obstacles of building that release with that Go,
# each solved here: module mode cannot work offline (GOPATH mode, as the release's own
# hack/lib/golang.sh does); the OpenAPI definitions are generated, not shipped (the vendored
# openapi-gen is built and run over the packages that ask for it); the vendored reflect2 uses
# the pre-Go-1.18 signature of reflect.mapiterinit (patched as reflect2 v1.0.2 did).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${GRADER_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/grader/cluster}"
RECIPE=3  # bump when this script changes what it builds
COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

log() { echo "cluster build: $*" >&2; }

# shellcheck source=scripts/cluster/packages.sh
source "$HERE/packages.sh"

fetch_source() {
  local src="$CACHE/src"
  if ! compgen -G "$src/kubernetes-*/cmd/kubelet" >/dev/null; then
    if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
      log "adding a deb-src line for bookworm"
      cat >/etc/apt/sources.list.d/grader-src.sources <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
      apt-get update -q >&2
    fi
    mkdir -p "$src"
    log "fetching Debian's kubernetes source package"
    (cd "$src" && apt-get source -q kubernetes >&2)
  fi
  compgen -G "$src/kubernetes-*/cmd/kubelet" | head -n1 | xargs dirname | xargs dirname
}

need_packages golang-go gcc libc6-dev dpkg-dev patch xz-utils
SOURCE="$(fetch_source)"
VERSION="$(sed -n 's/^kubernetes (\(.*\)).*/\1/p;q' "$SOURCE/debian/changelog")"
KEY="$( (echo "$VERSION $RECIPE $(go version)"; cat "$HERE"/patches/*.patch) | sha256sum | cut -c1-16)"
OUT="$CACHE/bin-$KEY"
if [[ -x "$OUT/kubelet" && -x "$OUT/pause" ]]; then
  echo "$OUT"
  exit 0
fi

started=$SECONDS
GOPATH="$CACHE/gopath"
WORK="$GOPATH/src/k8s.io/kubernetes"
log "preparing $VERSION in $WORK"
rm -rf "$WORK" && mkdir -p "$(dirname "$WORK")" && cp -a "$SOURCE" "$WORK"
for patch in "$HERE"/patches/*.patch; do
  patch -s -p1 -d "$WORK" <"$patch"
done

export GOPATH GO111MODULE=off GOFLAGS="" CGO_ENABLED=0 GOCACHE="$CACHE/gocache"
cd "$WORK"

log "generating the OpenAPI definitions"
go build -o "$CACHE/openapi-gen" k8s.io/kubernetes/vendor/k8s.io/kube-openapi/cmd/openapi-gen
# The packages Makefile.generated_files gives openapi-gen for the main API: every Go folder
# with a +k8s:openapi-gen= tag (staging named as vendor/), but code-generator's and
# sample-apiserver's examples.
mapfile -t dirs < <(
  find -H . \( -path ./_\* -o -path ./.\* -o -path ./vendor \) -prune -o -type f -name '*.go' -print \
    | grep -v -e '^./staging/src/k8s.io/code-generator/' -e '^./staging/src/k8s.io/sample-apiserver/' \
    | xargs grep --color=never -l '^// *+k8s:' | xargs grep --color=never -l '+k8s:openapi-gen=' \
    | sed 's|^./staging/src|vendor|; s|^\./||' | xargs -n1 dirname | LC_ALL=C sort -u
)
inputs="$(printf 'k8s.io/kubernetes/%s,' "${dirs[@]}")"
"$CACHE/openapi-gen" --logtostderr -v 0 -i "${inputs%,}" \
  -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
  -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$CACHE/openapi-violations.report" >&2
diff -q "$CACHE/openapi-violations.report" api/api-rules/violation_exceptions.list >&2 \
  || log "note: openapi-gen's API rule report differs from the release's exceptions list"

upstream="${VERSION%%-*}"          # 1.20.5+really1.20.2
upstream="v${upstream##*really}"   # v1.20.2
minor="${upstream#v1.}" && minor="${minor%%.*}"
version_pkg=k8s.io/kubernetes/vendor/k8s.io/component-base/version
ldflags="-s -w -X $version_pkg.gitVersion=$upstream -X $version_pkg.gitMajor=1"
ldflags+=" -X $version_pkg.gitMinor=$minor -X $version_pkg.gitTreeState=clean"
ldflags+=" -X $version_pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
log "building ${COMPONENTS[*]} (several minutes the first time)"
mkdir -p "$OUT.partial"
packages=()
for component in "${COMPONENTS[@]}"; do packages+=("k8s.io/kubernetes/cmd/$component"); done
go build -ldflags "$ldflags" -o "$OUT.partial/" "${packages[@]}"

log "building the pause binary (the pod sandbox's process)"
gcc -Os -static -DVERSION=v3.2-grader -o "$OUT.partial/pause" build/pause/linux/pause.c
strip "$OUT.partial/pause" 2>/dev/null || true

rm -rf "$OUT" && mv "$OUT.partial" "$OUT"
find "$CACHE" -maxdepth 1 -name "bin-*" ! -path "$OUT" -exec rm -rf {} +  # older recipes
rm -rf "$WORK"  # the binaries are what is kept; the Go build cache makes a rebuild quick
log "built in $((SECONDS - started)) s into $OUT"
echo "$OUT"
