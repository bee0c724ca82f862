#!/bin/bash
# two.sh LIMIT NV NC CPUV CPUC: a big task V, then a small task C whose faults OOM the memcg
M=${MEMCG_PARENT:?set MEMCG_PARENT to a v1 memcg below your own (see /proc/self/cgroup)}
C=$M/msim-a-two
S=${TMPDIR:-/tmp}
mkdir $C || exit 1
echo $1 > $C/memory.limit_in_bytes
rm -f $S/stv $S/stc; taskset -c $4 ./probe $C/tasks $2 1 $S/stv & V=$!
until [ "$(od -An -td8 -N8 $S/stv 2>/dev/null | tr -d ' ')" = "$2" ]; do sleep 0.05; done
b="failcnt=$(cat $C/memory.failcnt) usage=$(cat $C/memory.usage_in_bytes)"
taskset -c $5 ./probe $C/tasks $3 1 $S/stc & P=$!
for i in $(seq 200); do [ "$(od -An -td8 -N8 $S/stc 2>/dev/null | tr -d ' ')" = "$3" ] && break; sleep 0.01; done
a="failcnt=$(cat $C/memory.failcnt) max_usage=$(cat $C/memory.max_usage_in_bytes) usage=$(cat $C/memory.usage_in_bytes) $(grep oom_kill $C/memory.oom_control | tr '\n' ' ')"
sleep 0.5
a2="usage=$(cat $C/memory.usage_in_bytes) failcnt=$(cat $C/memory.failcnt)"
vstate=$(kill -0 $V 2>/dev/null && echo alive || echo dead)
kill $P $V 2>/dev/null; wait $P $V 2>/dev/null
echo "limit=$1 V=$2 C=$3 cpus=$4/$5 before: $b | after C: $a | +0.5s: $a2 V:$vstate"
rmdir $C
sleep 1
