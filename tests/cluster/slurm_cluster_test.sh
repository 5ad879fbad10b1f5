#!/bin/bash
# Starts a real single-node Slurm cluster (munged, slurmctld, slurmd) inside the test run,
# submits the job-array template with 4 shards plus the dependent merge, and compares the merged
# result with a single run dataset by dataset. Outside CI it skips (exit 77) when Slurm cannot
# run here; under CI=true (scripts/setup installs Slurm) a skip is a failure.
# Usage: slurm_cluster_test.sh SOURCE_DIR OPSIM_BINARY
set -uo pipefail
src=$1
opsim=$2
skip() {
  if [[ "${CI:-}" == "true" ]]; then echo "FAIL (required under CI): $*"; exit 1; fi
  echo "SKIP: $*"; exit 77
}
[[ $(id -u) -eq 0 ]] || skip "needs root to start munged and slurmd"
for tool in munged slurmctld slurmd sbatch squeue sinfo; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (Debian slurmctld slurmd slurm-client munge)"
done

work=$(mktemp -d /tmp/opsim_slurm.XXXXXX)
chmod 755 "$work"
host=$(hostname -s)
conf=$work/slurm.conf
export SLURM_CONF=$conf
cleanup() {
  for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munged.pid"; do
    [[ -s $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  sleep 1
  for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munged.pid"; do
    [[ -s $pidfile ]] && kill -9 "$(cat "$pidfile")" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for log in "$work"/*.log "$work"/out/*.log; do [[ -f $log ]] && { echo "--- $log"; tail -20 "$log"; }; done; exit 1; }

# munge: its socket folder must be mode 755; it runs as the munge user with a private key copy.
mkdir -p "$work/munge"
cp /etc/munge/munge.key "$work/munge/munge.key" 2>/dev/null || dd if=/dev/urandom of="$work/munge/munge.key" bs=1 count=128 2>/dev/null
chown -R munge:munge "$work/munge"; chmod 700 "$work/munge"; chmod 400 "$work/munge/munge.key"
mkdir -p /run/munge; chown munge:munge /run/munge; chmod 755 /run/munge
runuser -u munge -- munged --key-file="$work/munge/munge.key" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed" --socket=/run/munge/munge.socket.2 --force \
  || fail "munged did not start"
sleep 1
cp "$work/munge/munged.pid" "$work/munged.pid" 2>/dev/null

mkdir -p "$work/state" "$work/spool" "$work/out"
cat > "$conf" <<CONF
ClusterName=opsimtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
JobCompType=jobcomp/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -c -f "$conf" || fail "slurmctld did not start"
slurmd -f "$conf" || fail "slurmd did not start"
for _ in $(seq 60); do
  sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)' && break
  sleep 1
done
sinfo -h -o %t | grep -qE '^(idle|mix|alloc)' || fail "the node never became idle: $(sinfo 2>&1)"

scenario=$src/tests/fixtures/small_scenario.json
trials=900
merge_job=$(OPSIM=$opsim "$src/scripts/slurm/submit_array.sh" "$scenario" $trials 4 "$work/out" "$work/out/merged.h5") \
  || fail "submission failed"
for _ in $(seq 180); do
  [[ -z "$(squeue -h 2>/dev/null)" ]] && break
  sleep 1
done
[[ -f $work/out/merged.h5 ]] || fail "the merge job $merge_job produced no result"
ls "$work"/out/shard_*.h5 | wc -l | grep -qx 4 || fail "expected 4 shards"
"$opsim" run "$scenario" --quiet --trials $trials -o "$work/single.h5" || fail "single run failed"
/usr/bin/python3 "$src/scripts/compare_results.py" "$work/single.h5" "$work/out/merged.h5" || fail "merged result differs"
echo "PASS: 4 Slurm array shards + merge equal the single run"
