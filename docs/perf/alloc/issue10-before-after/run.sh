#!/bin/bash
# Interleaved before/after rounds of AccessBenchmark and AllocationBenchmark, as run for issue 10:
#   run.sh BEFORE.jar AFTER.jar [OUT_DIR]
# BEFORE.jar was benchmarks/target/benchmarks.jar built at commit b294101 (before issue 10),
# AFTER.jar the same built at main; two rounds, each jar in turn, the suites' defaults and -f 2.
set -u
pre=$1
post=$2
out=${3:-.}
for round in 1 2; do
  for label in pre post; do
    jar=$pre; [ $label = post ] && jar=$post
    java -jar "$jar" AccessBenchmark -f 2 -rf json -rff "$out/access-$label-$round.json" > "$out/access-$label-$round.txt" 2>&1
    java -jar "$jar" AllocationBenchmark.allocateAndFree -p allocator=vmarena-confined,vmarena-shared \
      -p sizeBytes=64,16384 -f 2 -rf json -rff "$out/alloc-$label-$round.json" > "$out/alloc-$label-$round.txt" 2>&1
  done
done
