#!/usr/bin/env bash
# Every benchmark quoted in the README, in one run (random weights; about 15 minutes on 2 cores, 2 more
# with a photo).
# Usage: scripts/bench.sh [PHOTO DETECTOR_WEIGHTS [SR_PHOTO [VIDEO [SR_VIDEO]]]]   e.g. a group photo
# and RetinaFace-MobileNet0.25, a small photo (256 to 512 px) for the background super-resolution (x4
# takes minutes per megapixel), a 720p clip, and a small clip (320x240) for the face parser and the
# super-resolution of every frame (seconds per frame)
set -euo pipefail
cd "$(dirname "$0")/.."
run() { echo; echo "\$ ./gpen $*"; ./gpen "$@"; }
run bench --size 256 --mul 1 --narrow 0.5 --iters 20
# fp32 and bf16 side by side, with bf16's distance from fp32 on the ten FFHQ faces of ../shared
faces=../shared/faces/ffhq256
if [ -d "$faces" ]; then
  run bench --size 256 --mul 1 --narrow 0.5 --iters 20 --precision both --faces "$faces"
  run bench --size 512 --mul 2 --narrow 1 --iters 5 --precision both --faces "$faces"
  run bench -w ../shared/golden/gpen64.pth --iters 20 --precision both --faces "$faces"
else
  run bench --size 256 --mul 1 --narrow 0.5 --iters 20 --precision both
  run bench --size 512 --mul 2 --narrow 1 --iters 5 --precision both
fi
run bench --size 256 --mul 1 --narrow 0.5 --iters 5 --reference
run bench --size 256 --mul 1 --narrow 0.5 --iters 10 --batch_size 4
run bench --size 256 --mul 1 --narrow 0.5 --iters 10 --engine both
run bench --size 512 --mul 2 --narrow 1 --iters 5
run bench --size 512 --mul 2 --narrow 1 --iters 2 --reference
run bench --size 512 --mul 2 --narrow 1 --iters 3 --engine onnx
run bench --train --size 256 --mul 1 --narrow 0.5 --batch_size 2 --iters 3
run bench --train --size 64 --mul 1 --narrow 0.25 --iters 8
if [ $# -ge 2 ]; then
  run bench --photo "$1" --detector_weights "$2" --size 256 --mul 1 --narrow 0.5 --iters 10 --photo_runs 2
  run bench --photo "$1" --detector_weights "$2" --size 512 --mul 2 --narrow 1 --iters 10 --photo_runs 1
  # the face parser's paste mask (about 2 s per face at fp32 here: a minute for a 29-face photo)
  for p in fp32 bf16; do
    run bench --photo "$1" --detector_weights "$2" --size 256 --mul 1 --narrow 0.5 --iters 2 --mask parse --precision "$p"
  done
fi
if [ $# -ge 3 ]; then
  run bench --photo "$3" --detector_weights "$2" --use_sr --size 64 --mul 1 --narrow 0.25 --iters 2 --photo_runs 2
fi
if [ $# -ge 4 ]; then
  run bench --video "$4" --detector_weights "$2" --size 256 --mul 1 --narrow 0.5
  run bench --video "$4" --detector_weights "$2" --size 512 --mul 2 --narrow 1
fi
if [ $# -ge 5 ]; then
  # the parser's mask and the background super-resolution on every frame (seconds per frame)
  for p in fp32 bf16; do
    run bench --video "$5" --detector_weights "$2" --size 256 --mul 1 --narrow 0.5 --mask parse --use_sr --precision "$p"
  done
fi
