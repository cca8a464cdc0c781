#!/usr/bin/env bash
# The recipe of mira-270m, from nothing to the shipped files:
#   1. a clean corpus: the scripted oracle plays the train split of every sandbox
#      template and every MiniWoB++ task with a scripted solution, in the compact
#      prompt style, the sites' checks answering as planner and checker;
#   2. SFT of the embedded Gemma 3 270M on the actor's, planner's and checker's answers
#      (loss on the answers only, in the prompts the agent renders), LoRA, checkpointed;
#   3. the adapter packed as the model `mira-270m` (adapter GGUF, manifest, card).
# Run it again after an interruption: a finished corpus is kept and training resumes
# from its last checkpoint. Sizes come from the environment, so a test can run a small
# version end to end; the defaults are the shipped model's.
set -euo pipefail

MIRA=${MIRA:-mira}
OUT=${OUT:-runs/mira-270m}
INTO=${INTO:-models}
NAME=${NAME:-mira-270m}
# Sized for about an hour of SFT on 2 CPU cores (about 190 tokens/s in bf16): one sandbox
# episode is about 15k tokens across the three roles, a MiniWoB++ one about 1k.
SANDBOX_INSTANCES=${SANDBOX_INSTANCES:-1}  # train instances per sandbox template
MINIWOB_EPISODES=${MINIWOB_EPISODES:-2}    # train seeds per MiniWoB++ task
ROLES=${ROLES:-actor,planner,checker}
EPOCHS=${EPOCHS:-1}
WORKERS=${WORKERS:-2}
TRAIN_ARGS=${TRAIN_ARGS:-}                 # more `mira finetune` options, e.g. --max-updates 2

mkdir -p "$OUT"
db="$OUT/corpus.db"
if [[ ! -f "$OUT/corpus.done" ]]; then
    rm -f "$db"
    "$MIRA" bench sandbox --policy oracle --split train --instances "$SANDBOX_INSTANCES" \
        --prompts compact -j "$WORKERS" --db "$db" --json >"$OUT/sandbox.json"
    "$MIRA" bench miniwob-all --policy oracle --split train -k "$MINIWOB_EPISODES" \
        --prompts compact -j "$WORKERS" --db "$db" --json >"$OUT/miniwob.json"
    touch "$OUT/corpus.done"
fi
"$MIRA" episodes stats --db "$db" >"$OUT/corpus.txt"

if [[ ! -f "$OUT/sft/adapter.gguf" ]]; then
    resume=()
    if [[ -d "$OUT/sft/checkpoint" ]]; then
        resume=(--resume)
    else
        rm -rf "$OUT/sft"  # stopped before its first checkpoint: nothing to keep
    fi
    # shellcheck disable=SC2086  # TRAIN_ARGS is a list of options
    "$MIRA" finetune --algo sft --roles "$ROLES" --episodes "$db" --out "$OUT/sft" \
        --epochs "$EPOCHS" --no-merge --no-gguf "${resume[@]}" $TRAIN_ARGS
fi

"$MIRA" models pack "$OUT/sft" --name "$NAME" --into "$INTO" --prompts compact --default --overwrite \
    --description "Gemma 3 270M with mira's own SFT adapter: plans, checks and acts"
