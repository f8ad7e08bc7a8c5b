#!/usr/bin/env bash
# Docker Compose v2 (Debian has only v1) built from its Go module: `deploy/build-compose.sh OUT`.
# `go install pkg@version` refuses this module (its go.mod has exclude directives), so build it
# as the main module from a writable copy of the module cache's tree.
set -euo pipefail
version=v2.40.3
out=$1
if [[ -x $out ]] && [[ $("$out" version --short 2>/dev/null) == "${version#v}" ]]; then
    exit 0
fi
PATH=$PATH:/usr/local/go/bin  # where the Go toolchain of this kind of machine lives
command -v go >/dev/null || { echo "Go 1.24+ is needed to build Docker Compose $version" >&2; exit 1; }
dir=$(go mod download -json "github.com/docker/compose/v2@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$dir/." "$work"
chmod -R u+w "$work"
mkdir -p "$(dirname "$out")"
(cd "$work" && go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" -o "$out.tmp" ./cmd)
mv "$out.tmp" "$out"
