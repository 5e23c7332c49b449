#!/usr/bin/env bash
# Vendors GraphiQL into core/static/graphiql/ from pinned npm releases, so that the IDE at
# /graphql works on closed intranets (no CDN). Run after changing a version below, then commit
# the result. Needs npm (the registry only; nothing is built or executed from the packages).
set -euo pipefail
cd "$(dirname "$0")/.."

GRAPHIQL_VERSION=3.8.3   # the last major release with a UMD build (4.x is ESM only)
REACT_VERSION=18.3.1

out=core/static/graphiql
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null)
for pair in "graphiql $GRAPHIQL_VERSION" "react $REACT_VERSION" "react-dom $REACT_VERSION"; do
  set -- $pair
  mkdir -p "$work/$1"
  tar xzf "$work/$1-$2.tgz" -C "$work/$1"
done

mkdir -p "$out"
rm -f "$out"/*.js.map "$out"/*.css.map
cp "$work/graphiql/package/graphiql.min.js" "$work/graphiql/package/graphiql.min.css" "$out/"
cp "$work/react/package/umd/react.production.min.js" "$out/"
cp "$work/react-dom/package/umd/react-dom.production.min.js" "$out/"

{
  echo "Third-party software vendored by scripts/vendor_graphiql.sh. Each is under the licence below."
  for pkg in graphiql react react-dom; do
    version=$(node -p "require('$work/$pkg/package/package.json').version")
    echo
    echo "================================================================"
    echo "$pkg $version (https://www.npmjs.com/package/$pkg)"
    echo "================================================================"
    cat "$work/$pkg/package/LICENSE"
  done
} > "$out/LICENSES.txt"

# What was vendored, with checksums (tests/test_graphiql.py checks the files against it).
(cd "$out" && {
  echo "graphiql $GRAPHIQL_VERSION"
  echo "react $REACT_VERSION"
  echo "react-dom $REACT_VERSION"
  sha256sum graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js
} > VERSIONS)
echo "vendored into $out:"
cat "$out/VERSIONS"
