#!/usr/bin/env bash
# Data-parallel speed on this machine: seconds per iteration of 1 process × 2 threads (batch 2)
# against 2 worker processes × 1 thread (batch 1 each, the same global batch), and the time per
# iteration the workers spend in collectives (allreduce, gather; waiting for the other rank
# included), from train.log: the mean over iterations 4–15 (3 path-length steps, no R1 step).
# Usage: scripts/bench-ddp.sh FACES_DIR [SIZE NARROW]   e.g. ../shared/faces/ffhq256 64 0.25
set -euo pipefail
cd "$(dirname "$0")/.."
faces="$1"; size="${2:-64}"; narrow="${3:-0.25}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
run() {
  local name="$1" dir="$work/$2"; shift 2
  ./gpen train --size "$size" --narrow "$narrow" --max_iter 16 --log_every 4 --save_every 100000 \
    --sample_every 100000 --train_path "$faces" --ckpt_dir "$dir" --sample_dir "$dir-samples" \
    "$@" >/dev/null 2>&1
  awk -v name="$name" '/ iter (8|12|16) d / {
      for (i = 1; i < NF; i++) { if ($i == "s/it") s += $(i + 1); if ($i == "allreduce_s/it") a += $(i + 1) } n++ }
    END { printf "%s: %.3f s/it", name, s / n; if (a > 0) printf ", collectives %.3f s/it", a / n; print "" }' \
    "$dir/train.log"
}
echo "size $size, narrow $narrow, load average $(cut -d' ' -f1-3 /proc/loadavg)"
run "1 process x 2 threads, batch 2" one --batch_size 2 --threads 2
run "2 processes x 1 thread, batch 1 each" two --batch_size 1 --nproc_per_node 2
