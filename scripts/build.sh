#!/bin/sh
# Configures (once) and builds nsfleet into BUILD (default: build).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$@" >/dev/null
fi
ninja -C "$BUILD"
