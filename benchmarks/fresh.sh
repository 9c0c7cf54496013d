#!/usr/bin/env bash
# The runs behind RESULTS.md, one after the other (never two at once: they
# would measure each other). Each step logs the UTC time and the load
# average to load.log; outputs go next to this script.
#   bash benchmarks/fresh.sh [step ...]   steps: main par100 distributed
#                                         floor profile plot (default: all)
set -u
cd "$(dirname "$0")"
PY=${PY:-/work/venv/bin/python}
STEPS=${*:-main par100 distributed floor profile plot}
mark() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*" | tee -a load.log; }

for step in $STEPS; do
  mark "start $step"
  case $step in
    main)  # ours embedded vs Mistral 23 (SQLite), medians of 3, curves, floor
      $PY run.py --start-mistral --repeat 3 --curve-repeat 3 --timeout 300 \
          --workloads seq50 items200 rerun100 par20x10 \
          --mistral-max-size 1000 --mistral-skip seq1000 rerun1000 \
          --floor sqlite --json results.json >results.txt 2>results.err ;;
    par100)  # par20x100 apart: Mistral needs minutes per run here
      $PY run.py --start-mistral --repeat 3 --workloads par20x100 --curves \
          --json results-par20x100.json >results-par20x100.txt \
          2>results-par20x100.err ;;
    distributed)  # api + 3 engines + 2 executors, RabbitMQ + MariaDB, both
      $PY run.py --distributed --start-mistral --repeat 3 \
          --json results-distributed.json >results-distributed.txt \
          2>results-distributed.err ;;
    floor)  # the floor on the database servers too
      $PY floor.py --backend postgresql mysql --repeat 3 \
          --json results-floor.json >results-floor.txt 2>results-floor.err ;;
    profile)
      $PY profile_engine.py --workload seq1000 --runs 5 --mode gil --out /tmp \
          >profile.txt 2>profile.err ;;
    plot)
      $PY plot.py results.json curves.png ;;
    *) echo "unknown step $step" >&2; exit 2 ;;
  esac
  mark "end $step (exit $?)"
done
