#!/usr/bin/env bash
# The fixed evaluation protocol of a local model (README, "Evaluation"): held-out tasks
# only, the task's own checks as the judge, every figure with its 95% Wilson interval.
#   MiniWoB++       test seeds of every task with a scripted solution, 5 each, 10 steps
#   test-instances  unseen seeds of the train templates, 2 per template (60 episodes)
#   test-templates  templates training never saw, 5 instances each (55 episodes)
# ROW picks the agent: `agent` (the model plans, checks and acts, as `mira run`) or
# `actor-only` (no plan). Each part writes its report as JSON under OUT and prints its
# table; every episode goes to OUT/episodes.db.
#   MODEL=mira-270m ROW=agent benchmarks/eval_protocol.sh
#   MODEL=gemma3-270m ROW=agent OUT=runs/eval/base benchmarks/eval_protocol.sh
set -euo pipefail

MIRA=${MIRA:-mira}
MODEL=${MODEL:-mira-270m}
ROW=${ROW:-agent}
OUT=${OUT:-runs/eval/$MODEL-$ROW}
PARTS=${PARTS:-miniwob test-instances test-templates}
# The protocol's sizes; smaller ones make a quick look, and are then not the protocol.
MINIWOB_K=${MINIWOB_K:-5}            # test seeds per MiniWoB++ task
INSTANCES=${INSTANCES:-2}            # test-instances per train template
TEMPLATE_INSTANCES=${TEMPLATE_INSTANCES:-5}  # instances per held-out template
SANDBOX_STEPS=${SANDBOX_STEPS:-30}   # steps per sandbox episode (the oracle needs 3 to 17)
WORKERS=${WORKERS:-1}
case "$ROW" in
    agent) plan=(--milestones llm) ;;
    actor-only) plan=(--milestones none) ;;
    *) echo "ROW is agent or actor-only, not $ROW" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
db="$OUT/episodes.db"
common=(--actor local --model "$MODEL" "${plan[@]}" --db "$db" -j "$WORKERS")
for part in $PARTS; do
    case "$part" in
        miniwob) args=(miniwob-all --scripted --split test -k "$MINIWOB_K" --max-steps 10) ;;
        test-instances) args=(sandbox --split test-instances --instances "$INSTANCES" --max-steps "$SANDBOX_STEPS") ;;
        test-templates) args=(sandbox --split test-templates --instances "$TEMPLATE_INSTANCES" --max-steps "$SANDBOX_STEPS") ;;
        *) echo "unknown part $part" >&2; exit 2 ;;
    esac
    "$MIRA" bench "${args[@]}" "${common[@]}" --chart "$OUT/$part.png" --json >"$OUT/$part.json"
done
# One line per part: successes, rate and interval, steps, tokens and seconds per episode.
python3 - "$OUT" $PARTS <<'PY'
import json, sys
from pathlib import Path

out = Path(sys.argv[1])
print(f"{'part':<16}{'success':>10}{'rate':>8}{'95% CI':>16}{'steps':>7}{'tokens':>8}{'s/ep':>7}")
for part in sys.argv[2:]:
    o = json.loads((out / f"{part}.json").read_text())["overall"]
    ci = f"{o['ci_low']:.0%}-{o['ci_high']:.0%}"
    print(
        f"{part:<16}{o['successes']:>5}/{o['episodes']:<4}{o['success_rate']:>8.0%}{ci:>16}"
        f"{o['mean_steps']:>7.1f}{o['mean_tokens']:>8.0f}{o['mean_seconds']:>7.1f}"
    )
PY
