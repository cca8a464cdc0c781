#!/usr/bin/env bash
# The recipe of mira-270m, from nothing to the shipped files:
#   1. a clean corpus: the scripted oracle plays the train split of every sandbox
#      template and every MiniWoB++ task with a scripted solution, in the compact
#      prompt style, the sites' checks answering as planner and checker;
#   2. SFT of the embedded Gemma 3 270M on the actor's, planner's and checker's answers
#      (loss on the answers only, in the prompts the agent renders), LoRA, checkpointed;
#   3. a second corpus, more train instances of the short templates (a few steps each,
#      where a small model can first learn a whole episode) beside MiniWoB++ again, and
#      SFT on it continuing the adapter of step 2 (--init-adapter);
#   4. the adapter packed as the model `mira-270m` (adapter GGUF, manifest, card).
# Run it again after an interruption: a finished corpus is kept and training resumes
# from its last checkpoint. Sizes come from the environment, so a test can run a small
# version end to end; the defaults are the shipped model's.
set -euo pipefail

MIRA=${MIRA:-mira}
OUT=${OUT:-runs/mira-270m}
INTO=${INTO:-models}
NAME=${NAME:-mira-270m}
# Stage 1 is sized for about an hour of SFT on 2 CPU cores (about 175 tokens/s in bf16):
# one sandbox step is about 3k tokens across the actor and the checker, a MiniWoB++ one
# 1k. Stage 2 took another 99 minutes there (66 tokens/s, with more long prompts).
SANDBOX_INSTANCES=${SANDBOX_INSTANCES:-1}  # train instances per sandbox template
MINIWOB_EPISODES=${MINIWOB_EPISODES:-2}    # train seeds per MiniWoB++ task
SFT1_UPDATES=${SFT1_UPDATES:-22}           # stage 1 stops here (of 37 in its epoch)
# Stage 2: templates whose oracle solves them in four steps or fewer.
FOCUS_TEMPLATES=${FOCUS_TEMPLATES:-mail-sender-detail shop-star-reviews mail-star-from-sender forum-vote-user-posts shop-rated-price forum-month-post-by-score forum-user-comment-count mail-move-message shop-cancel-order shop-spending}
FOCUS_INSTANCES=${FOCUS_INSTANCES:-4}      # more train instances of each
FOCUS_SEED=${FOCUS_SEED:-1000}             # their first seed: clear of stage 1's
FOCUS_MINIWOB=${FOCUS_MINIWOB:-1}          # MiniWoB++ seeds per task beside them (0: none)
ROLES=${ROLES:-actor,planner,checker}
EPOCHS=${EPOCHS:-1}
WORKERS=${WORKERS:-2}
TRAIN_ARGS=${TRAIN_ARGS:-}                 # more `mira finetune` options, e.g. --max-updates 2
NOTES=${NOTES-recipes/mira-270m-notes.md}  # held-out figures for the card ('' for none)

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

# One SFT stage: train on $1 into $2, resuming what an interruption left there; the
# stage is over once its folder holds the adapter. More options follow (e.g. the start).
sft() {
    local db=$1 out=$2
    shift 2
    [[ -f "$out/adapter/adapter_config.json" ]] && return 0
    local resume=()
    if [[ -d "$out/checkpoint" ]]; then
        resume=(--resume)
    else
        rm -rf "$out"  # stopped before its first checkpoint: nothing to keep
    fi
    # shellcheck disable=SC2086  # TRAIN_ARGS is a list of options
    "$MIRA" finetune --algo sft --roles "$ROLES" --episodes "$db" --out "$out" \
        --epochs "$EPOCHS" --no-merge --no-gguf "${resume[@]}" "$@" $TRAIN_ARGS
}

sft "$db" "$OUT/sft" --max-updates "$SFT1_UPDATES"

focus="$OUT/focus.db"
if [[ ! -f "$OUT/focus.done" ]]; then
    rm -f "$focus"
    tasks=()
    for template in $FOCUS_TEMPLATES; do tasks+=(--tasks "$template"); done
    "$MIRA" bench sandbox --policy oracle --split train --instances "$FOCUS_INSTANCES" \
        --seed "$FOCUS_SEED" "${tasks[@]}" --prompts compact -j "$WORKERS" --db "$focus" \
        --json >"$OUT/focus-sandbox.json"
    if ((FOCUS_MINIWOB > 0)); then
        "$MIRA" bench miniwob-all --policy oracle --split train -k "$FOCUS_MINIWOB" \
            --prompts compact -j "$WORKERS" --db "$focus" --json >"$OUT/focus-miniwob.json"
    fi
    touch "$OUT/focus.done"
fi
"$MIRA" episodes stats --db "$focus" >"$OUT/focus.txt"

sft "$focus" "$OUT/sft2" --init-adapter "$OUT/sft"

notes=()
[[ -n "$NOTES" ]] && notes=(--notes "$NOTES")
"$MIRA" models pack "$OUT/sft2" --name "$NAME" --into "$INTO" --prompts compact --default --overwrite \
    --description "Gemma 3 270M with mira's own SFT adapter: plans, checks and acts" "${notes[@]}"
