#!/bin/bash
# Merges the shard databases of scripts/slurm/campaign.sbatch into $OUT/merged.db (CPU only).
# Refuses shards of different campaigns and conflicting duplicates; re-running adds nothing, so it
# can also be run on a partial set while shards are still being resubmitted (it prints which
# shards are missing).
#SBATCH --job-name=trafl-merge
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
#SBATCH --output=%x-%j.out
set -euo pipefail

: "${TRAFL:?set TRAFL to the trafl-eval binary}"
: "${OUT:?set OUT to the campaign directory}"

shopt -s nullglob
shards=("$OUT"/shard-*-of-*.db)
if [ ${#shards[@]} -eq 0 ]; then
  echo "no shard databases in $OUT" >&2
  exit 1
fi
"$TRAFL" merge "${shards[@]}" --out "$OUT/merged.db"
