#!/usr/bin/env bash
# A software WebGPU adapter for machines without a GPU, without touching the system's Mesa.
#
# onnxruntime-node's WebGPU provider (Dawn) rejects the lavapipe of Debian bookworm's Mesa
# 22.3 ("Vulkan shaderUniform*ArrayDynamicIndexing required" → "No supported adapters"); the
# lavapipe of Mesa 25 (bookworm-backports) works. This script downloads that one package
# with apt (a private sources list, so the system's apt configuration is unchanged),
# unpacks it under DIR (default node_modules/.cache/lavapipe, ignored by git), and writes
# an ICD file pointing at it. It needs the Vulkan loader (apt-get install -y libvulkan1).
# Then:
#
#   export VK_ICD_FILENAMES="$(bench/setup-lavapipe.sh)"
#   npx vitest run test/runtime/backends.test.ts     # the WebGPU cases now run
#   npm run bench -- --backends cpu,webgpu --sizes 64,128
#
# Prints the ICD file's path on stdout.
set -euo pipefail
DIR="$(realpath -m "${1:-node_modules/.cache/lavapipe}")"
ICD="$DIR/lvp_icd.json"
if [[ -f "$ICD" ]]; then echo "$ICD"; exit 0; fi
mkdir -p "$DIR/apt/lists/partial" "$DIR/debs"
echo "deb http://deb.debian.org/debian bookworm-backports main" > "$DIR/apt/sources.list"
APT=(-o "Dir::Etc::sourcelist=$DIR/apt/sources.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$DIR/apt/lists")
apt-get "${APT[@]}" update -qq >&2
(cd "$DIR/debs" && apt-get "${APT[@]}" download mesa-vulkan-drivers/bookworm-backports >&2)
dpkg-deb -x "$DIR"/debs/mesa-vulkan-drivers_*.deb "$DIR/root"
LIB="$(find "$DIR/root" -name libvulkan_lvp.so | head -n1)"
API="$(sed -n 's/.*"api_version": *"\([^"]*\)".*/\1/p' "$DIR/root/usr/share/vulkan/icd.d/lvp_icd.json")"
cat > "$ICD" <<EOF
{ "file_format_version": "1.0.0", "ICD": { "library_path": "$LIB", "api_version": "$API" } }
EOF
echo "$ICD"
