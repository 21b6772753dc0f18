#!/usr/bin/env bash
# Packs the libraries into a local feed, publishes samples/ScoreOnly from the Rcnn.MLNet package (not the project),
# and checks what a scoring-only service ships: no TorchSharp or libtorch file, and a saved model scores.
#   tools/packaging/score-only-from-packages.sh [WORK_DIR]
# The packages get a unique prerelease version, so the NuGet cache never serves an older build of them.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ $# -ge 1 ]; then work=$1; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
feed=$work/feed
out=$work/publish
version=0.1.0-local.$(date +%Y%m%d%H%M%S)
rm -rf "$feed" "$out"

for project in Rcnn.Onnx.Protos Rcnn.MLNet Rcnn.Training Rcnn.Onnx Rcnn.MLNet.Training; do
  dotnet pack "src/$project" -c Release -o "$feed" -p:RcnnPackageVersion="$version" --nologo -v q
done
for project in Rcnn.Onnx.Protos Rcnn.MLNet Rcnn.Training Rcnn.Onnx Rcnn.MLNet.Training; do
  for ext in nupkg snupkg; do
    [ -f "$feed/$project.$version.$ext" ] || { echo "missing $feed/$project.$version.$ext" >&2; exit 1; }
  done
done
echo "packages: $(ls "$feed" | tr '\n' ' ')"

dotnet publish samples/ScoreOnly -c Release -r linux-x64 --self-contained false -o "$out" --nologo -v q \
  -p:RcnnFromPackages=true -p:RcnnPackageVersion="$version" \
  --source "$feed" --source https://api.nuget.org/v3/index.json

torch=$(find "$out" -iname '*torch*' | head -5)
if [ -n "$torch" ]; then echo "the scoring-only publish ships TorchSharp/libtorch files:" >&2; echo "$torch" >&2; exit 1; fi
grep -q "Rcnn.MLNet/$version" "$out/ScoreOnly.deps.json" || { echo "ScoreOnly was not built from the Rcnn.MLNet $version package" >&2; exit 1; }
echo "scoring-only publish (linux-x64): $(du -sm "$out" | cut -f1) MB, $(find "$out" -type f | wc -l) files, no TorchSharp or libtorch file"

lines=$(dotnet "$out/ScoreOnly.dll" tests/fixtures/mlnet_float_chain_v1.zip datasets/bccd/BCCD/JPEGImages/BloodImage_00007.jpg)
echo "$lines"
echo "$lines" | head -1 | grep -q '"labels":\["' || { echo "the saved model found nothing to score" >&2; exit 1; }
[ "$(echo "$lines" | tail -1)" = '{"libtorch_loaded":false}' ] || { echo "libtorch was loaded while scoring" >&2; exit 1; }
