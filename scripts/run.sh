#!/bin/sh
# The main job, for a new user: install what is needed, build, then check
# and print the example zone shipped in the repo.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh >/dev/null
ZONE=tests/zones/example.com.zone
echo "\$ nsfleet zone check $ZONE"
./build/src/tools/nsfleet zone check "$ZONE"
echo
echo "\$ nsfleet zone print $ZONE"
./build/src/tools/nsfleet zone print "$ZONE"
