#!/bin/bash
# single.sh LIMIT NPAGES CPU : one task faulting pages into a fresh v1 memcg
M=${MEMCG_PARENT:?set MEMCG_PARENT to a v1 memcg below your own (see /proc/self/cgroup)}
C=$M/msim-a-single
mkdir $C || exit 1
echo $1 > $C/memory.limit_in_bytes
taskset -c $3 ./probe $C/tasks $2 0; rc=$?
sleep 0.3
echo "limit=$1 rc=$rc failcnt=$(cat $C/memory.failcnt) max_usage=$(cat $C/memory.max_usage_in_bytes) usage=$(cat $C/memory.usage_in_bytes) memsw_failcnt=$(cat $C/memory.memsw.failcnt) $(grep oom_kill $C/memory.oom_control | tr '\n' ' ')"
rmdir $C
sleep 1
