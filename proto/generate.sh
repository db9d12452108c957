#!/bin/sh
# Regenerates proto/gen/ from the .proto files (npm run proto:gen). The typings need the JSDoc
# comments, so they are generated from a commented build that is then replaced by a compact one.
set -eu
cd "$(dirname "$0")/.."
protos="proto/opentelemetry/proto/*/v1/*.proto proto/opentelemetry/proto/collector/*/v1/*.proto proto/google/rpc/*.proto"
flags="-t static-module -w commonjs --no-service --no-verify --no-delimited -p proto"
mkdir -p proto/gen
# shellcheck disable=SC2086
npx pbjs $flags -o proto/gen/otlp.js $protos
npx pbts --no-comments -o proto/gen/otlp.d.ts proto/gen/otlp.js
# shellcheck disable=SC2086
npx pbjs $flags --no-comments -o proto/gen/otlp.js $protos
