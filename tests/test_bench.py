"""`mira bench`: the report's arithmetic, MiniWoB++ through mira's browser layer, oracle
episodes recorded as demonstrations, site checks as milestones, parallel workers, and
WebArena-Lite's task format with its evaluators on recorded pages."""

from __future__ import annotations

import ast
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mira_agent.agent.actor import read_decision
from mira_agent.bench.miniwob import MiniWobWorld, miniwob_tasks
from mira_agent.bench.policies import SitePlanner, current_milestone
from mira_agent.bench.report import failure_mode, summarize, wilson
from mira_agent.bench.runner import BenchSpec, EpisodeResult, Job, Worker, plan_jobs, run_jobs
from mira_agent.bench.sandbox import SandboxEpisode, sandbox_tasks
from mira_agent.bench.suites import SUITES, select, split_seed, world_for
from mira_agent.bench.webarena import evaluate, fill, load_tasks, read_page, string_match, url_match
from mira_agent.browser.actions import Action
from mira_agent.browser.executor import execute
from mira_agent.browser.observation import parse_elements
from mira_agent.browser.observe import observe
from mira_agent.browser.session import BrowserSession
from mira_agent.errors import UsageError
from mira_agent.llm.scripted import ScriptedBackend
from mira_agent.planning.milestones import Plan
from mira_agent.planning.planner import Planner
from mira_agent.sites import get_site
from mira_agent.store.database import EpisodeStore
from tests.helpers import oracle_episode

DATA = Path(__file__).parent / "data"


def result(task: str = "t", **fields: object) -> EpisodeResult:
    base = dict(
        task_id=task, suite="sandbox", split="test", seed=0, episode_id=None, status="succeeded",
        success=True, reward=1.0, steps=5, milestones_done=3, milestones_total=3,
    )  # fmt: skip
    return EpisodeResult(**(base | fields))  # type: ignore[arg-type]


# -- the report ---------------------------------------------------------------------------


def test_wilson_intervals_match_hand_computed_values() -> None:
    low, high = wilson(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    low, high = wilson(0, 10)
    assert low == 0.0 and round(high, 4) == 0.2775
    low, high = wilson(10, 10)
    assert round(low, 4) == 0.7225 and high == 1.0
    assert wilson(0, 0) == (0.0, 1.0)


def test_failures_fall_into_the_papers_four_modes() -> None:
    assert failure_mode(result()) is None
    assert failure_mode(result(status="failed", success=False)) == "stopped at the wrong page"
    stuck = result(status="gave_up", success=False, milestones_done=1)
    assert failure_mode(stuck) == "stuck midway"
    nothing = result(status="gave_up", success=False, milestones_done=0)
    assert failure_mode(nothing) == "no reasonable attempt"
    assert failure_mode(result(status="crashed", success=False)) == "other"


def test_the_summary_groups_by_task_and_split() -> None:
    results = [
        result("a", split="train", site="shop"),
        result("a", split="train", success=False, status="failed", milestones_done=1, site="shop"),
        result("b", prompt_tokens=100, completion_tokens=20, seconds=4.0, site="mail"),
    ]
    report = summarize(
        results,
        run_id="r",
        suite="s",
        policy="agent",
        milestones="site",
        workers=1,
        wall_seconds=60,
    )
    by_name = {t.name: t for t in report.tasks}
    assert by_name["a"].episodes == 2 and by_name["a"].success_rate == 0.5
    assert abs(by_name["a"].milestone_fraction - (1 + 1 / 3) / 2) < 1e-9
    assert by_name["b"].mean_tokens == 120 and by_name["b"].mean_seconds == 4.0
    assert [s.name for s in report.splits] == ["test", "train"]
    assert [(s.name, s.episodes, s.successes) for s in report.sites] == [
        ("mail", 1, 1),
        ("shop", 2, 1),
    ]
    assert report.overall.successes == 2 and report.failures["stopped at the wrong page"] == 1
    assert report.episodes_per_hour == 180
    assert json.loads(json.dumps(report.to_json()))["overall"]["episodes"] == 3


# -- suites ---------------------------------------------------------------------------------


def test_suites_select_by_split_and_prefix_and_say_what_is_missing() -> None:
    tasks = sandbox_tasks(["flights"])
    test = select(tasks, "test", None)
    assert test and all(t.split == "test" for t in test)
    assert all(
        t.id.startswith("flights-shortest") for t in select(tasks, None, ["flights-shortest"])
    )
    with pytest.raises(UsageError, match="no such task: nope"):
        select(tasks, None, ["nope"])
    (wob,) = miniwob_tasks(["click-button"])
    assert split_seed(wob, "test", 3) != split_seed(wob, "train", 3)
    with pytest.raises(UsageError, match="not MiniWoB"):
        miniwob_tasks(["drag-box"])
    with pytest.raises(UsageError, match="no task 'flights-nope' on flights; its tasks: flights-"):
        SandboxEpisode(get_site("flights"), "flights-nope")


def test_the_registry_names_each_suite_and_draws_seeds_as_it_says() -> None:
    assert list(SUITES) == ["sandbox", "miniwob", "webarena"]
    assert all(name == suite.name for name, suite in SUITES.items())
    (flight, *_) = sandbox_tasks(["flights"])
    assert [split_seed(flight, split, 3) for split in ("train", "test")] == [3, 3]
    (wob,) = miniwob_tasks(["click-button"])
    assert [split_seed(wob, split, 3) for split in ("train", "test")] == [3, 1_000_003]
    with pytest.raises(UsageError, match="unknown suite 'nowhere'"):
        world_for("nowhere")


def _imports(path: Path, package: Path) -> set[str]:
    """The mira modules `path` imports anywhere in it (inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {name for name in found if name.startswith(package.name + ".")}


def test_no_bench_module_is_part_of_an_import_circle() -> None:
    """A suite imports the protocol, the registry imports the suites, never the other
    way: no chain of imports, lazy ones included, leads from a bench module back to it."""
    package = Path(__file__).resolve().parent.parent / "mira_agent"
    modules = {
        ".".join(p.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__"): p
        for p in package.rglob("*.py")
    }
    edges = {m: _imports(p, package) & set(modules) - {m} for m, p in modules.items()}
    circles = []
    for start in (m for m in modules if m.startswith("mira_agent.bench.")):
        seen, frontier = set(), set(edges[start])
        while frontier:
            seen |= frontier
            frontier = {n for m in frontier for n in edges[m]} - seen
        if start in seen:
            circles.append(start)
    assert not circles, f"in an import circle: {circles}"


# -- MiniWoB++ --------------------------------------------------------------------------------

WOB_TASKS = ["click-button", "enter-text", "login-user", "click-checkboxes"]


def test_scripted_episodes_on_miniwob_get_reward_one(tmp_path: Path) -> None:
    spec = BenchSpec("miniwob", str(tmp_path / "e.db"), "run", policy="oracle", milestones="none")
    worker = Worker(spec)
    try:
        results = [worker.run(Job(task, 7)) for task in miniwob_tasks(WOB_TASKS)]
    finally:
        worker.close()
    assert [r.reward for r in results] == [1.0] * len(WOB_TASKS), results
    assert all(r.success and r.status == "succeeded" for r in results)
    store = EpisodeStore(tmp_path / "e.db")
    (episode, *_) = store.episodes()
    assert episode["suite"] == "miniwob" and episode["seed"] == 7 and episode["reward"] == 1.0


def test_a_wrong_action_on_miniwob_gets_no_reward(session: BrowserSession) -> None:
    world = MiniWobWorld()
    try:
        (task,) = miniwob_tasks(["click-button"])
        episode = world.open(task, 3, session)
        wanted = episode.instruction.split('"')[1]
        page = observe(session)
        wrong = next(e for e in page.elements() if e.role == "button" and e.name != wanted)
        assert execute(session, Action("click", {"element": wrong.id})).ok
        assert episode.over() and episode.reward(None) <= 0 and not episode.judge(None)
    finally:
        world.close()


# -- sandbox: oracle demonstrations and site milestones -------------------------------------


def test_an_oracle_episode_is_recorded_as_a_demonstration(tmp_path: Path) -> None:
    task, outcome = oracle_episode(
        tmp_path / "e.db", "flights-cheapest-nonstop-bos-den", milestones="site"
    )
    assert outcome.success and outcome.milestones_done == outcome.milestones_total > 0
    store = EpisodeStore(tmp_path / "e.db")
    episode = store.episode(outcome.episode_id)  # type: ignore[arg-type]
    assert (episode["policy"], episode["milestones_source"], episode["label_source"]) == (
        "oracle",
        "site",
        "checker",
    )
    steps = store.children("steps", outcome.episode_id)  # type: ignore[arg-type]
    for step in steps:
        # The actor's own prompt (instructions, task, plan, page) and, as the completion,
        # the oracle's action in the answer format a model must produce.
        prompt = step["messages"][-1]["content"]
        assert task.intent[:40] in prompt and step["observation"][:60] in prompt
        thought, action, error = read_decision(step["completion"])
        assert error is None and action is not None and action.to_json() == step["parsed"]
        # The thought names the element it uses by the page's words, then the milestone.
        shown = parse_elements(step["observation"])
        element = next((e for e in shown if e.id == action.element), None)
        if element is not None and len(element.name) < 80:
            assert f'{element.role} "{element.name}"' in thought
        assert len(thought) <= 160
    milestones = store.children("milestones", outcome.episode_id)  # type: ignore[arg-type]
    assert [m["text"] for m in milestones] == list(task.milestones)
    # The task's own test data is kept as typed: a demonstration must show the real value.
    typed = [
        value
        for s in steps
        for value in ([s["parsed"].get("text")] if s["parsed"]["action"] == "type" else [])
        + list(s["parsed"].get("values", []))
    ]
    assert "4242 4242 4242 4242" in typed and not any("••••" in (t or "") for t in typed)
    completed = [m["completed_step"] for m in milestones]
    assert None not in completed and completed == sorted(completed)


def test_the_site_planner_measures_how_often_an_llm_checker_agrees() -> None:
    judge = Planner(
        ScriptedBackend(
            [
                {"done": [True, True, False], "reason": "x"},
                {"done": [True, False, False], "reason": "y"},
            ]
        )
    )
    truth = iter([[True, False, False], [True, False, False]])
    planner = SitePlanner(["a", "b", "c"], lambda: next(truth), site="s", judge=judge)
    plan = planner.decompose("task", "page")
    assert [m.text for m in plan.milestones] == ["a", "b", "c"]
    assert planner.check("task", plan, "page", "x", "y").done == [True, False, False]
    planner.check("task", plan, "page", "x", "y")
    assert planner.agreement == (5, 6)
    # The site's demonstrations and the judge's own calls, each under its own model.
    assert [(c.purpose, c.completion.model) for c in planner.calls] == [
        ("plan", "site"),
        *[("check", "site"), ("check", "script")] * 2,
    ]
    assert planner.replan("task", plan, "page", "stuck") is plan  # fixed milestones: kept
    assert planner.calls[-1].purpose == "replan"
    assert current_milestone(Plan.create(["open the page", "pay"]).render()) == "open the page"


def test_two_workers_give_the_same_verdicts_as_one(tmp_path: Path) -> None:
    tasks = select(sandbox_tasks(["flights"]), "test", None)
    jobs = plan_jobs(tasks, "test", 1)
    verdicts = {}
    for workers in (1, 2):
        spec = BenchSpec(
            "sandbox", str(tmp_path / f"w{workers}.db"), f"w{workers}", policy="oracle"
        )
        results = run_jobs(spec, jobs, workers=workers)
        verdicts[workers] = sorted((r.task_id, r.seed, r.success, r.steps) for r in results)
    assert verdicts[1] == verdicts[2] and len(verdicts[1]) == len(tasks)
    assert all(success for _, _, success, _ in verdicts[2])
    assert EpisodeStore(tmp_path / "w2.db").count() == len(tasks)


# -- WebArena-Lite ------------------------------------------------------------------------------


def test_webarena_task_files_load_and_name_their_sites() -> None:
    tasks = load_tasks(DATA / "webarena_sample.json")
    assert [t.id for t in tasks] == ["webarena-21", "webarena-404", "webarena-512", "webarena-700"]
    assert tasks[0].intent == "What is the status of my order 000000170?"
    assert fill("__SHOPPING__/x", {"shopping": "http://h:7770/"}) == "http://h:7770/x"
    with pytest.raises(UsageError, match="--site-url reddit=URL"):
        fill("__REDDIT__/", {})
    with pytest.raises(UsageError, match="no such task file"):
        load_tasks(DATA / "missing.json")
    broken = DATA.parent / "pages" / "webarena" / "order.html"
    with pytest.raises(UsageError, match="is not JSON"):
        load_tasks(broken)


def test_webarena_string_and_url_matches() -> None:
    from mira_agent.bench.webarena import lenient_fuzzy

    assert string_match("  'Canceled' ", {"exact_match": "canceled"}, lenient_fuzzy)
    assert string_match("It was canceled on May 2", {"must_include": ["Canceled"]}, lenient_fuzzy)
    assert not string_match("12 items", {"must_include": ["2"]}, lenient_fuzzy)
    assert string_match("2 items", {"must_include": ["2"]}, lenient_fuzzy)
    assert string_match("Joe and Ann", {"must_include": ["joe", "ann"]}, lenient_fuzzy)
    assert not string_match("Joe", {"must_include": ["joe", "ann"]}, lenient_fuzzy)
    assert string_match("The order is N/A", {"fuzzy_match": "N/A"}, lenient_fuzzy)
    assert string_match("it costs $20.00", {"fuzzy_match": ["$20.00"]}, lenient_fuzzy)
    assert url_match("http://h/forum.html?f=books&sort=new", "http://h/forum.html?f=books")
    assert not url_match("http://h/forum.html?f=cooking", "http://h/forum.html?f=books")
    assert not url_match("http://other/forum.html?f=books", "http://h/forum.html?f=books")


def test_webarena_page_checks_read_the_live_page(
    session: BrowserSession, pages_server: str
) -> None:
    tasks = {t.id: t for t in load_tasks(DATA / "webarena_sample.json")}
    urls = {"shopping": f"{pages_server}/webarena", "reddit": f"{pages_server}/webarena"}

    def judge(task_id: str, answer: str | None, page: str):  # type: ignore[no-untyped-def]
        session.goto(f"{pages_server}/webarena/{page}")
        return evaluate(
            tasks[task_id].data, answer, session.page.url,
            lambda url, locator: read_page(session, url, locator), urls,
        )  # fmt: skip

    assert judge("webarena-21", "Canceled", "order.html").ok
    assert not judge("webarena-21", "Complete", "order.html").ok
    saved = judge("webarena-512", None, "address.html")
    assert saved.ok, saved.reasons
    # On the order page the "saved" message is missing; the address check still passes.
    failed = judge("webarena-512", None, "order.html")
    assert not failed.ok and len(failed.reasons) == 1 and "You saved" in failed.reasons[0]
    unsupported = judge("webarena-700", None, "order.html")
    assert not unsupported.ok and unsupported.unsupported


# -- the command ------------------------------------------------------------------------------


def test_mira_bench_runs_the_oracle_and_reports_json(tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    done = subprocess.run(
        [
            sys.executable, "-m", "mira_agent", "bench", "flights", "--policy", "oracle",
            "--tasks", "flights-shortest", "--split", "all", "--json", "--db",
            str(tmp_path / "b.db"), "--chart", str(chart),
        ],
        capture_output=True, text=True, timeout=300, env=os.environ,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["overall"]["success_rate"] == 1.0 and report["overall"]["episodes"] == 2
    assert report["failures"]["stuck midway"] == 0
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_the_miniwob_oracle_asks_no_planner_unless_told(tmp_path: Path) -> None:
    """Oracle episodes are demonstrations: by default no local model plans them."""
    db = tmp_path / "b.db"
    done = subprocess.run(
        [
            sys.executable, "-m", "mira_agent", "bench", "miniwob", "--policy", "oracle",
            "--tasks", "click-button", "--split", "train", "--json", "--db", str(db),
        ],
        capture_output=True, text=True, timeout=300, env=os.environ,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["milestones"] == "none" and report["overall"]["success_rate"] == 1.0
    with sqlite3.connect(db) as connection:
        planner_calls = connection.execute("select count(*) from model_calls").fetchone()[0]
        steps = connection.execute("select count(*) from steps").fetchone()[0]
    assert (planner_calls, steps) == (0, 1)  # the oracle's one click, and no plan


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere"], "unknown suite 'nowhere'"),
        (["webarena"], "needs --webarena-tasks"),
        (["flights", "--policy", "random"], "--policy is one of"),
        (["flights", "--milestones", "maybe"], "--milestones is one of"),
        (["flights", "--tasks", "flights-nope"], "no such task"),
        (["flights", "--split", "dev"], "--split is train, test or all"),
        (["flights", "--site-url", "shopping"], "--site-url takes NAME=URL"),
    ],
)
def test_bad_bench_input_is_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mira_agent", "bench", *args, "--db", str(tmp_path / "b.db")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def _oracle_bench_after_two_episodes(db: Path, *options: str) -> subprocess.Popen[str]:
    """The oracle's bench on every flights task, 3 seeds each, once 2 episodes are over."""
    import time

    process = subprocess.Popen(
        [
            sys.executable, "-m", "mira_agent", "bench", "flights", "--policy", "oracle",
            "--split", "all", "-k", "3", "--json", "--db", str(db), *options,
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    finished = 0
    while finished < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
        if db.exists():
            with EpisodeStore(db) as store:
                finished = len([e for e in store.episodes() if e["status"] != "running"])
    return process


def test_ctrl_c_keeps_and_reports_the_episodes_that_finished(tmp_path: Path) -> None:
    import signal

    db = tmp_path / "b.db"
    process = _oracle_bench_after_two_episodes(db)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    report = json.loads(out)
    assert report["interrupted"] and report["overall"]["episodes"] >= 2
    statuses = [e["status"] for e in EpisodeStore(db).episodes()]
    assert statuses.count("succeeded") == report["overall"]["episodes"]
    assert len(statuses) < 27  # it did stop


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def test_sigterm_with_workers_stops_them_all_and_keeps_every_episode(tmp_path: Path) -> None:
    """A polite kill of a run with 2 workers: the run exits 143 with its report, each
    worker records the episode it was playing as interrupted and leaves, none outlives
    the run, and no episode is left `running`."""
    import signal
    import time

    db = tmp_path / "b.db"
    process = _oracle_bench_after_two_episodes(db, "-j", "2")
    workers = _children(process.pid)
    assert len(workers) >= 2
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert "Traceback" not in err
    report = json.loads(out)
    assert report["interrupted"] and report["overall"]["episodes"] >= 2
    gone_by = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < gone_by:
        time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)]
    with EpisodeStore(db) as store:
        statuses = [e["status"] for e in store.episodes()]
    assert "running" not in statuses and statuses.count("succeeded") >= 2
    assert len(statuses) < 27  # it did stop


def test_both_milestone_sources_record_the_llm_checker_beside_the_site(tmp_path: Path) -> None:
    """The oracle acts, the site's checks drive the plan, and the real local model
    judges the same milestones at every step: its calls are kept, and agreement counted."""
    _, outcome = oracle_episode(
        tmp_path / "e.db", "flights-price-cheapest-atl-dfw", milestones="both", max_steps=12
    )
    assert outcome.success
    assert outcome.judge_total == outcome.milestones_total * (outcome.steps - 1)
    assert 0 <= outcome.judge_agree <= outcome.judge_total
    store = EpisodeStore(tmp_path / "e.db")
    calls = store.children("model_calls", outcome.episode_id)  # type: ignore[arg-type]
    checks = [c for c in calls if c["role"] == "check" and c["model"] != "site"]
    assert len(checks) == outcome.steps - 1 and all(json.loads(c["completion"]) for c in checks)
    # Beside each of the judge's checks, the site's own demonstration of the same check.
    demonstrations = [c for c in calls if c["role"] == "check" and c["model"] == "site"]
    assert [c["messages"] for c in demonstrations] == [c["messages"] for c in checks]
    assert store.episode(outcome.episode_id)["milestones_source"] == "site"  # type: ignore[arg-type]


def test_with_llm_milestones_the_sites_own_checks_are_kept_per_step(tmp_path: Path) -> None:
    """The real local planner decomposes and checks; beside its verdicts, each step row
    keeps the site's checks, so the two can be compared later."""
    task, outcome = oracle_episode(
        tmp_path / "e.db", "flights-price-cheapest-atl-dfw", milestones="llm", max_steps=12
    )
    store = EpisodeStore(tmp_path / "e.db")
    assert store.episode(outcome.episode_id)["milestones_source"] == "llm"  # type: ignore[arg-type]
    steps = store.children("steps", outcome.episode_id)  # type: ignore[arg-type]
    site = [s["site_progress"] for s in steps]
    assert all(len(p) == len(task.milestones) for p in site)
    assert site[0] != site[-1] and all(site[-1])  # progress made, everything done at the end


def test_the_flight_oracle_books_in_ten_steps_and_the_run_ends_on_the_last_milestone(
    tmp_path: Path,
) -> None:
    from tests.helpers import oracle_episode

    _task, result = oracle_episode(tmp_path / "db.sqlite", "flights-cheapest-nonstop-bos-den")
    assert result.success and result.milestones_done == result.milestones_total
    assert result.steps <= 10
    with EpisodeStore(tmp_path / "db.sqlite") as store:
        (row,) = store.episodes()
        steps = store.children("steps", row["id"])
    assert row["reason"] == "the milestone checker marked every milestone done"
    assert [s["action"].split("(")[0] for s in steps].count("fill") == 3  # search, passengers, card
    assert not any(
        s["action"].startswith("stop") for s in steps
    )  # no call after the last milestone
