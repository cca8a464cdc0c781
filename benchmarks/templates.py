"""The template table: every sandbox task template, its split, and how many distinct
instances (by intent) and distinct outcomes its first seeds draw.

    python benchmarks/templates.py                  # first 2,000 seeds of each split
    python benchmarks/templates.py --seeds 500 --markdown

A train template is counted on the train seeds and on the held-out (test-instances)
seeds; a held-out template on the held-out seeds. Counting stops early where a template's
parameter space is spent (see `task_templates.PATIENCE`), so a count below `--seeds`
is all that template has.
"""

from __future__ import annotations

import argparse
import time

from mira_agent.sites import get_site, list_sites
from mira_agent.sites import task_templates as tt


def _count(site_name: str, template: tt.Template, split: str, seeds: int) -> tuple[int, int]:
    site = get_site(site_name)
    first = tt.seeds_of(split).start
    drawn = list(tt.distinct_instances(site_name, template, site.data, range(first, first + seeds)))
    return len(drawn), len({task.outcome for task in drawn})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2000, help="seeds counted per split")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    started = time.monotonic()
    rows = []
    totals = {split: [0, 0] for split in tt.SPLITS}
    for site_name, _ in list_sites():
        for template in get_site(site_name).templates():
            splits = tt.SPLITS[:2] if template.split == "train" else tt.SPLITS[2:]
            counts = {split: _count(site_name, template, split, args.seeds) for split in splits}
            for split, (intents, outcomes) in counts.items():
                totals[split][0] += intents
                totals[split][1] += outcomes
            rows.append((site_name, template, counts))

    if args.markdown:
        print("| site | template | split | distinct instances (outcomes) | intent |")
        print("|---|---|---|---|---|")
    for site_name, template, counts in rows:
        shown = ", ".join(f"{split} {n:,} ({o:,})" for split, (n, o) in counts.items())
        split = "train" if template.split == "train" else "test-templates"
        if args.markdown:
            pattern = template.pattern.replace("|", "\\|")
            print(f"| {site_name} | `{template.id}` | {split} | {shown} | {pattern} |")
        else:
            print(f"{template.id:44} {split:15} {shown}")
    print()
    for split, (intents, outcomes) in totals.items():
        print(f"{split}: {intents:,} distinct instances, {outcomes:,} distinct outcomes")
    print(f"first {args.seeds:,} seeds per split; counted in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
