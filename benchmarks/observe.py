"""Time mira's observation extraction, from a live page to the text handed to the model.

Pages: the MiniWoB++ pages that docs/targets.md measures BrowserGym and
browser-use on (when the `miniwob` package is installed; `pip install -e '.[bench]'`),
a generated 3,000-element page (1,000 table rows of link + input + button, as there),
and mira's own flight site. Headless Chromium, warm-up then the median of N runs.

"big-3000" is observed with the defaults, which show 50 rows from the viewport on and
say how many are above and below; "big-3000 uncut" lifts every limit to show what a
whole-page extraction costs.

Sizes are given in characters and in tokens. Tokens are counted with Gemma 3's own
tokenizer (the embedded 270M GGUF through llama-cpp-python, vocab only) when both are
installed; otherwise as characters / 4 and labelled "~tokens".

    python benchmarks/observe.py [--runs 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mira_agent.browser.observe import ObserveOptions, observe
from mira_agent.browser.session import BrowserOptions, BrowserSession

MINIWOB_TASKS = (
    "click-button",
    "book-flight",
    "email-inbox",
    "social-media-all",
    "search-engine",
    "use-autocomplete",
)
TARGET_MS = {  # a third of the faster of BrowserGym and browser-use, from docs/targets.md
    "click-button": 12,
    "book-flight": 25,
    "email-inbox": 34,
    "social-media-all": 20,
    "search-engine": 12,
    "use-autocomplete": 13,
    "big-3000": 1126,
    "big-3000 uncut": 1126,
}
BROWSER_USE_CHARS = {
    "click-button": 298,
    "book-flight": 572,
    "email-inbox": 2174,
    "social-media-all": 1044,
    "search-engine": 342,
    "use-autocomplete": 265,
    "big-3000": 164714,
    "big-3000 uncut": 164714,
}


def big_page(folder: Path) -> str:
    rows = "\n".join(
        f'<tr><td><a href="#r{i}">Item {i}</a></td><td><input aria-label="Quantity {i}"></td>'
        f"<td><button>Add {i}</button></td></tr>"
        for i in range(1, 1001)
    )
    path = folder / "big-3000.html"
    path.write_text(f"<!doctype html><title>Big</title><table>{rows}</table>")
    return path.as_uri()


def token_counter() -> tuple[Callable[[str], int], str]:
    try:
        from llama_cpp import Llama

        from mira_agent.llm.models import default_local_model

        model = Llama(str(default_local_model()), vocab_only=True, verbose=False)
        return (lambda text: len(model.tokenize(text.encode(), add_bos=False))), "tokens (Gemma 3)"
    except Exception:
        return (lambda text: len(text) // 4), "~tokens (chars/4)"


def miniwob_pages() -> dict[str, str]:
    try:
        import miniwob
    except ImportError:
        return {}
    html = Path(miniwob.__file__).parent / "html" / "miniwob"
    return {task: (html / f"{task}.html").as_uri() for task in MINIWOB_TASKS}


def start_miniwob_episode(session: BrowserSession, seed: int = 0) -> None:
    session.run(
        session.page.evaluate(
            "(seed) => { Math.seedrandom(seed); core.EPISODE_MAX_TIME = 1e9;"
            " core.startEpisodeReal(); }",
            seed,
        )
    )
    session.run(session.page.wait_for_function("() => window.WOB_TASK_READY !== false"))


def measure(session: BrowserSession, runs: int, options: ObserveOptions) -> tuple[float, str, str]:
    """Median time from the live page to the rendered text; the page text and the full text."""
    observe(session, options)  # warm-up: ids are stamped, caches filled
    times = []
    page_text = full_text = ""
    for _ in range(runs):
        start = time.perf_counter()
        observation = observe(session, options)
        full_text = observation.render()
        times.append((time.perf_counter() - start) * 1000)
        page_text = observation.text
    return statistics.median(times), page_text, full_text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per page (median)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()

    count_tokens, token_label = token_counter()
    options = ObserveOptions()
    rows = []
    with (
        tempfile.TemporaryDirectory() as folder,
        BrowserSession(BrowserOptions(headless=True)) as session,
    ):
        pages: list[tuple[str, str, bool]] = [(n, u, True) for n, u in miniwob_pages().items()]
        big = big_page(Path(folder))
        pages.append(("big-3000", big, False))
        pages.append(("big-3000 uncut", big, False))
        from mira_agent.sites import get_site

        site = get_site("flights")
        base = site.start()
        task = site.tasks()[0].params
        pages.append(("flights: search form", base + "/", False))
        pages.append(
            (
                "flights: results",
                f"{base}/results?from={task['origin']}&to={task['destination']}"
                f"&date={task['date']}&passengers=2&cabin=economy",
                False,
            )
        )
        try:
            for name, url, is_miniwob in pages:
                session.goto(url)
                if is_miniwob:
                    start_miniwob_episode(session)
                uncut = ObserveOptions(max_chars=10**8, max_list_items=10**6)
                page_options = uncut if name.endswith("uncut") else options
                ms, page_text, full_text = measure(session, args.runs, page_options)
                rows.append(
                    {
                        "page": name,
                        "median_ms": round(ms, 1),
                        "chars": len(page_text),
                        "chars_with_header": len(full_text),
                        "tokens": count_tokens(page_text),
                        "target_ms": TARGET_MS.get(name),
                        "browser_use_chars": BROWSER_USE_CHARS.get(name),
                    }
                )
        finally:
            site.stop()

    if args.json:
        print(json.dumps({"token_unit": token_label, "runs": args.runs, "pages": rows}, indent=2))
        return 0
    print(f"mira observation extraction, headless Chromium, median of {args.runs} runs")
    print("chars: the page text; +header: with URL, title, tabs and notes as the model reads it")
    head = f"{'page':<22}{'ms':>8}{'target':>8}{'chars':>8}{'+header':>9}{'b-use':>8}"
    print(f"{head}  {token_label}")
    for r in rows:
        target = f"≤{r['target_ms']}" if r["target_ms"] else "-"
        b_use = str(r["browser_use_chars"] or "-")
        line = f"{r['page']:<22}{r['median_ms']:>8}{target:>8}{r['chars']:>8}"
        print(f"{line}{r['chars_with_header']:>9}{b_use:>8}  {r['tokens']}")
    if not miniwob_pages():
        print(
            "(MiniWoB++ pages skipped: pip install -e '.[bench]' to include them)", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
