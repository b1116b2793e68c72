"""microgradrelu against micrograd 0.1.0 and hand-written plain-float backprop, in one run.

    python benchmarks/bench_moons.py            # the full run (about 80 s on 2 cores)
    python benchmarks/bench_moons.py --quick    # tiny sizes, a few seconds (the smoke test)

Every sample runs in a fresh worker process (this same file with --worker), and the engines
take turns sample by sample, so a slow phase of the machine hits all of them alike. Times are
CPU seconds of the worker (time.process_time). Workloads (see engines.py):

  moons_train  micrograd's demo: two moons, MLP(2, [16, 16, 1]), hinge loss + 1e-4·Σp², SGD
               with lr = 1.0 - 0.9·k/100; seconds per step after a warm-up step, graph nodes
               per step, and the final loss, which must equal the plain-float reference
               computed from the same starting weights (to 1e-12 relative). Engines:
               micrograd (its demo notebook's loop), microgradrelu (our loop: hinge_loss,
               Value.sum, SGD), microgradrelu-notebook (micrograd's notebook loop, line for
               line, on our engine), plain floats (the floor), and for information
               microgradrelu-gc-off: our loop with the cyclic garbage collector off
               (safe here, no reference cycles; micrograd would leak every graph that way).
  memory       bytes of one step's forward graph (tracemalloc), and per node.
  deep_chain   backward through chains of 10^3 ... 10^6 nodes.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import itertools
import json
import os
import platform
import random
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ENGINES = ("micrograd", "microgradrelu", "microgradrelu-notebook", "microgradrelu-gc-off", "plain")
GRAPH_ENGINES = ("micrograd", "microgradrelu")  # the ones with a graph to measure
LOSS_RTOL = 1e-12


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "date": datetime.date.today().isoformat(),
    }


def make_spec(points: int, seed: int) -> dict[str, Any]:
    """The data and the starting weights, made once and handed to every engine: micrograd's
    init (weights U(-1, 1), biases 0) from a seeded random.Random."""
    from engines import SIZES

    from microgradrelu import make_moons

    X, y = make_moons(points, noise=0.1, seed=seed)
    rng = random.Random(seed)
    weights: list[float] = []
    for nin, nout in itertools.pairwise(SIZES):
        for _ in range(nout):
            weights += [rng.uniform(-1.0, 1.0) for _ in range(nin)] + [0.0]
    return {"X": X, "y": y, "weights": weights}


def run_worker(engine: str, workload: str, spec: dict[str, Any]) -> Any:
    """Run one workload in a fresh Python process and return what it measured."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", engine, workload],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} {workload} worker failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def worker(engine: str, workload: str) -> None:
    from engines import WORKLOADS

    spec = json.load(sys.stdin)
    json.dump(WORKLOADS[engine, workload](spec), sys.stdout)


def rel_diff(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def moons_train(engines: list[str], spec: dict[str, Any], samples: int, steps: int) -> dict[str, Any]:
    """`samples` rounds; in each, every engine runs `steps` steps in its own process. The
    order rotates from round to round, so no engine always runs first or last."""
    spec = {**spec, "steps": steps}
    runs: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
    for i in range(samples):
        for engine in engines[i % len(engines) :] + engines[: i % len(engines)]:
            runs[engine].append(run_worker(engine, "train", spec))
    out: dict[str, Any] = {}
    for engine, rs in runs.items():
        per_sample = [statistics.median(r["step_seconds"]) for r in rs]
        out[engine] = {
            "seconds_per_step": per_sample,
            "median": statistics.median(per_sample),
            "nodes": rs[0]["nodes"],
            "final_losses": [r["final_loss"] for r in rs],
        }
    return out


def ratio(train: dict[str, Any], slow: str, fast: str) -> dict[str, Any] | None:
    """Per pair (sample i of each, run back to back): slow time / fast time."""
    if slow not in train or fast not in train:
        return None
    pairs = [s / f for s, f in zip(train[slow]["seconds_per_step"], train[fast]["seconds_per_step"])]
    return {"per_pair": pairs, "median": statistics.median(pairs)}


def loss_check(train: dict[str, Any], spec: dict[str, Any], check_steps: int) -> dict[str, Any]:
    """Every engine's final loss against the plain-float reference from the same weights;
    then microgradrelu and the reference again over `check_steps` steps (micrograd is too
    slow to train that long in a benchmark)."""
    reference = train["plain"]["final_losses"][0]
    worst = max(rel_diff(loss, reference) for e in train.values() for loss in e["final_losses"])
    long_spec = {**spec, "steps": check_steps}
    ours = run_worker("microgradrelu", "train", long_spec)["final_loss"]
    plain = run_worker("plain", "train", long_spec)["final_loss"]
    long_diff = rel_diff(ours, plain)
    return {
        "reference_loss": reference,
        "max_rel_diff": worst,
        "long_steps": check_steps,
        "long_loss": plain,
        "long_rel_diff": long_diff,
        "ok": worst <= LOSS_RTOL and long_diff <= LOSS_RTOL,
    }


def memory(engines: list[str], spec: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for engine in engines:
        if engine in GRAPH_ENGINES:
            m = run_worker(engine, "memory", spec)
            out[engine] = {**m, "bytes_per_node": m["bytes"] / m["nodes"]}
    return out


def deep_chain(engines: list[str], sizes: list[int]) -> dict[str, Any]:
    return {e: run_worker(e, "chain", {"chain_sizes": sizes}) for e in engines if e in GRAPH_ENGINES}


def report(results: dict[str, Any]) -> None:
    m, cfg, train = results["machine"], results["config"], results["moons_train"]
    print(f"machine: Python {m['python']}, {m['cpus']} CPUs, {m['cpu']}, {m['date']}")
    print(
        f"\nmoons_train: {cfg['points']} points, MLP(2, [16, 16, 1]), {cfg['samples']} samples per engine, "
        f"each {cfg['steps'] - 1} timed steps after a warm-up (CPU seconds per step, median of the step times)"
    )
    print(f"  {'engine':21s} {'median s/step':>14s} {'nodes/step':>11s}  per sample")
    for engine, r in train.items():
        samples = " ".join(f"{s:.4f}" for s in r["seconds_per_step"])
        nodes = f"{r['nodes']:,}" if r["nodes"] else "-"
        print(f"  {engine:21s} {r['median']:14.4f} {nodes:>11s}  {samples}")
    for key, r in results["ratios"].items():
        pairs = " ".join(f"{p:.1f}" for p in r["per_pair"])
        print(f"  {key.replace('/', ' / ')}: median per-pair ratio {r['median']:.1f}x  (pairs: {pairs})")
    c = results["loss_check"]
    print(
        f"  loss check: {'OK' if c['ok'] else 'FAILED'}: after {cfg['steps']} steps every engine's loss is within "
        f"{c['max_rel_diff']:.1e} (relative) of the plain reference {c['reference_loss']!r}; after "
        f"{c['long_steps']} steps microgradrelu is within {c['long_rel_diff']:.1e} of {c['long_loss']!r} "
        f"(tolerance {LOSS_RTOL:g})"
    )
    print("\nmemory: one step's forward graph (tracemalloc)")
    mem = results["memory"]
    for engine, r in mem.items():
        mb, per_node = r["bytes"] / 1e6, r["bytes_per_node"]
        print(f"  {engine:14s} {mb:8.2f} MB  {r['nodes']:>9,} nodes  {per_node:6.0f} bytes/node")
    if "micrograd" in mem and "microgradrelu" in mem:
        share = mem["microgradrelu"]["bytes"] / mem["micrograd"]["bytes"]
        print(f"  microgradrelu / micrograd bytes per step: {share:.2f}")
    print("\ndeep_chain: backward through v = v + x, n times (CPU seconds)")
    for engine, rows in results["deep_chain"].items():
        cells = []
        for row in rows:
            if "error" in row:
                cells.append(f"{row['error']} (deepest that works: {row['deepest_ok']})")
            else:
                cells.append(f"n={row['n']:,}: {row['backward_seconds']:.3f} s")
        print(f"  {engine:14s} " + "; ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    parser.add_argument("--samples", type=int, help="processes per engine for moons_train (default 5; quick 2)")
    parser.add_argument("--steps", type=int, help="steps per sample, the first one untimed (default 8; quick 2)")
    parser.add_argument("--check-steps", type=int, help="steps of the long loss check (default 100; quick 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and the starting weights")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--worker", nargs=2, metavar=("ENGINE", "WORKLOAD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return

    quick = args.quick
    samples = args.samples or (2 if quick else 5)
    # micrograd's step gets slower over its first steps (its cyclic garbage piles up until
    # a full collection: measured 1.0, 1.5, 1.6, 1.7 s), so take the median of 7 after warm-up.
    steps = args.steps or (2 if quick else 8)
    check_steps = args.check_steps or (5 if quick else 100)
    points = 12 if quick else 100
    chain_sizes = [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6]
    if samples < 1 or steps < 2 or check_steps < 1:
        parser.error("need --samples >= 1, --steps >= 2 (one warm-up, one timed) and --check-steps >= 1")

    engines = list(ENGINES)
    if importlib.util.find_spec("micrograd") is None:
        print('micrograd is not installed: skipping it (install it with: pip install -e ".[bench]")\n')
        engines.remove("micrograd")

    spec = make_spec(points, args.seed)
    train = moons_train(engines, spec, samples, steps)
    results = {
        "machine": machine(),
        "config": {"points": points, "samples": samples, "steps": steps, "chain_sizes": chain_sizes},
        "moons_train": train,
        "ratios": {
            key: r
            for key, r in (
                ("micrograd/microgradrelu", ratio(train, "micrograd", "microgradrelu")),
                ("micrograd/microgradrelu-notebook", ratio(train, "micrograd", "microgradrelu-notebook")),
                ("micrograd/microgradrelu-gc-off", ratio(train, "micrograd", "microgradrelu-gc-off")),
                ("microgradrelu/plain", ratio(train, "microgradrelu", "plain")),
            )
            if r is not None
        },
        "loss_check": loss_check(train, spec, check_steps),
        "memory": memory(engines, spec),
        "deep_chain": deep_chain(engines, chain_sizes),
    }
    report(results)
    if args.json:
        tmp = args.json.with_name(args.json.name + ".tmp")
        tmp.write_text(json.dumps(results, indent=1))
        os.replace(tmp, args.json)
    if not results["loss_check"]["ok"]:
        sys.exit("loss check failed: the engines do not compute the same training run")


if __name__ == "__main__":
    main()
