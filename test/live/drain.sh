#!/bin/bash
# drain.sh a|b : remote stock drain cases. A on CPU 1 faults 10 pages (stock keeps 54 on CPU 1).
# a: from CPU 0 write limit_in_bytes 40 pages; b: limit 100 pages, task B on CPU 0 faults 37 pages.
M=${MEMCG_PARENT:?set MEMCG_PARENT to a v1 memcg below your own (see /proc/self/cgroup)}
C=$M/msim-a-drain
S=${TMPDIR:-/tmp}
mkdir $C || exit 1
[ $1 = b ] && echo $((100*4096)) > $C/memory.limit_in_bytes
rm -f $S/sta $S/stb
taskset -c 1 ./probe $C/tasks 10 1 $S/sta & A=$!
until [ "$(od -An -td8 -N8 $S/sta 2>/dev/null | tr -d ' ')" = "10" ]; do sleep 0.05; done
b="usage=$(cat $C/memory.usage_in_bytes) failcnt=$(cat $C/memory.failcnt)"
if [ $1 = a ]; then
  r=$(taskset -c 0 sh -c "echo $((40*4096)) > $C/memory.limit_in_bytes 2>&1; echo rc=\$?; cat $C/memory.usage_in_bytes" | tr '\n' ' ')
  a="write: $r limit=$(cat $C/memory.limit_in_bytes) failcnt=$(cat $C/memory.failcnt)"
else
  taskset -c 0 ./probe $C/tasks 37 1 $S/stb & B=$!
  for i in $(seq 200); do [ "$(od -An -td8 -N8 $S/stb 2>/dev/null | tr -d ' ')" = "37" ] && break; sleep 0.01; done
  a="B done=$(od -An -td8 -N8 $S/stb | tr -d ' ') usage=$(cat $C/memory.usage_in_bytes) failcnt=$(cat $C/memory.failcnt) max_usage=$(cat $C/memory.max_usage_in_bytes) $(grep oom_kill $C/memory.oom_control | tr '\n' ' ')"
  kill $B; wait $B
fi
kill $A; wait $A
echo "case $1: before: $b | $a"
rmdir $C; sleep 1
