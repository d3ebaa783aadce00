#!/usr/bin/env bash
# The lite train -> export -> infer -> evaluate chain (the original's test_tipc lite_train_lite_infer),
# on a tiny data set with no downloads. Arguments go to `gpen lite` (see `./gpen lite --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./gpen lite "$@"
