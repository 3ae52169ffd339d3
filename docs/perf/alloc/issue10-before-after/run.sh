#!/bin/bash
# Interleaved before/after: AccessBenchmark and AllocationBenchmark with the jar built before issue 10
# (/work/baseline/benchmarks-pre10.jar, commit b294101) and main's jar, two rounds each.
set -u
pre=/work/baseline/benchmarks-pre10.jar
post=/work/baseline/benchmarks-post10.jar
out=/work/measure
for round in 1 2; do
  for label in pre post; do
    jar=$pre; [ $label = post ] && jar=$post
    java -jar $jar AccessBenchmark -f 2 -rf json -rff $out/access-$label-$round.json > $out/access-$label-$round.txt 2>&1
    java -jar $jar AllocationBenchmark.allocateAndFree -p allocator=vmarena-confined,vmarena-shared -p sizeBytes=64,16384 -f 2 -rf json -rff $out/alloc-$label-$round.json > $out/alloc-$label-$round.txt 2>&1
  done
done
