#!/bin/bash
# wait.sh: v1 oom_kill_disable. A task on CPU 1 faults 300 pages into a 1M memcg (256 pages), waits;
# then the limit goes to 2M and it finishes.
M=${MEMCG_PARENT:?set MEMCG_PARENT to a v1 memcg below your own (see /proc/self/cgroup)}
C=$M/msim-a-wait
S=${TMPDIR:-/tmp}
mkdir $C $C/child || exit 1
echo 1M > $C/memory.limit_in_bytes
echo 1 > $C/memory.oom_control
rm -f $S/stw
taskset -c 1 ./probe $C/tasks 300 1 $S/stw & P=$!
sleep 1
st=$(awk '{print $3}' /proc/$P/stat)
a="progress=$(od -An -td8 -N8 $S/stw | tr -d ' ') state=$st failcnt=$(cat $C/memory.failcnt) usage=$(( $(cat $C/memory.usage_in_bytes)/4096 )) max_usage=$(( $(cat $C/memory.max_usage_in_bytes)/4096 )) oom_control: $(cat $C/memory.oom_control | tr '\n' ' ') child: $(grep under_oom $C/child/memory.oom_control) pgfault=$(grep '^pgfault' $C/memory.stat)"
sleep 1
b="1s later: failcnt=$(cat $C/memory.failcnt) pgfault=$(grep '^pgfault' $C/memory.stat)"
echo 2M > $C/memory.limit_in_bytes
sleep 0.5
c="after 2M: progress=$(od -An -td8 -N8 $S/stw | tr -d ' ') failcnt=$(cat $C/memory.failcnt) usage=$(( $(cat $C/memory.usage_in_bytes)/4096 )) max_usage=$(( $(cat $C/memory.max_usage_in_bytes)/4096 )) $(cat $C/memory.oom_control | tr '\n' ' ')"
sleep 2.2
d="pgfault=$(grep '^pgfault' $C/memory.stat)"
kill $P; wait $P 2>/dev/null
echo "$a | $b | $c | $d"
rmdir $C/child $C; sleep 1
