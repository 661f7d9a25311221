#!/usr/bin/env bash
# A venv with the current PyTorch (2.13, CPU: MKL + oneDNN) for `npm run bench`'s second
# reference column, beside Debian's python3-torch 1.13. Offline: only the wheels this
# machine carries. Idempotent: a venv that already imports torch 2.13 is left as it is.
#
#   bash bench/setup-torch-venv.sh            # → node_modules/.cache/torch-venv (gitignored;
#                                             #   npm ci deletes it: run this again after)
#   TORCH_VENV=/some/dir bash bench/setup-torch-venv.sh
#
# Wheel folders: TORCH_WHEELS (the torch wheel), PYPI_WHEELHOUSES (space-separated
# folders); the defaults are where this project's machines keep them. bench.ts uses the
# venv when $TORCH_VENV/bin/python imports torch, and otherwise runs without the column.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${TORCH_VENV:-node_modules/.cache/torch-venv}"
WANT="2.13.0+cpu"
TORCH_WHEELS="${TORCH_WHEELS:-/opt/wheels}"
PYPI_WHEELHOUSES="${PYPI_WHEELHOUSES:-/opt/pypi/files /opt/pypi-more/files}"

if [ -x "$VENV/bin/python" ] && [ "$("$VENV/bin/python" -c 'import torch, torch.optim, onnx, onnxruntime; print(torch.__version__)' 2>/dev/null)" = "$WANT" ]; then
  echo "$VENV: torch $WANT already there"
  exit 0
fi
links=(--find-links "$TORCH_WHEELS")
for d in $PYPI_WHEELHOUSES; do [ -d "$d" ] && links+=(--find-links "$d"); done
if ! ls "$TORCH_WHEELS"/torch-"$WANT"-*.whl >/dev/null 2>&1; then
  echo "no torch-$WANT wheel in $TORCH_WHEELS (set TORCH_WHEELS)" >&2
  exit 1
fi
mkdir -p "$(dirname "$VENV")"
/usr/bin/python3 -m venv "$VENV"
# torch.optim imports dynamo, which needs sympy (and networkx, jinja2, …: torch's own
# requirements, all resolved from the wheelhouses). No index: nothing is downloaded. onnx and
# onnxruntime are for bench/prototypes/.
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-index "${links[@]}" "torch==$WANT" numpy onnx onnxruntime
"$VENV/bin/python" -c 'import torch, torch.optim; print("torch", torch.__version__, "in '"$VENV"'; threads", torch.get_num_threads())'
