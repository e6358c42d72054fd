#!/usr/bin/python3
"""bench/eprop_results.py - the table of bench/eprop_results.sh's rows (issue 15's results,
docs/performance.md) and one snnbench record per row (schema 1, docs/benchmarking.md
"Records"; suite "eprop_results", cell id = the row's name).

    bench/eprop_results.py build/eprop-results [--store DIR] [--no-records]

Per row directory: build.txt (the snncc command), run.txt (the run), time.txt (/usr/bin/time
"%U %S %e %M": user, system, wall seconds, peak KB), out/metrics.csv and out/run.json of the
training loop, or log.txt of the PyTorch peer, or cg<N>.out of callgrind.  The record's
timers.simulation_s is the training loop's wall time (the complete epochs' wall_s in
metrics.csv, each with the evaluation after it when there is one; the peer's training
loop: no evaluation); `results` holds the accuracies (per epoch as test_accuracy_by_epoch
when the test set ran after several epochs, FM_EVAL), the CPU time and the instruction
counts (snnbench ls --columns cell.id,results.test_accuracy,results.cpu_s_per_epoch).
"""
import argparse
import csv
import datetime
import json
import os
import platform
import re
import socket
import subprocess
import sys


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def callgrind(path):
    """(total Ir, {function: inclusive-ish self Ir}) of a callgrind output file."""
    txt = read(path)
    if txt is None:
        return None, {}
    m = re.search(r"^summary:\s*(\d+)", txt, re.M) or re.search(r"^totals:\s*(\d+)", txt, re.M)
    total = int(m.group(1)) if m else None
    # self cost per function: fn= lines followed by cost lines "<line> <Ir>"
    per, fn, names = {}, None, {}
    in_call = False
    for line in txt.splitlines():
        if line.startswith("fn="):
            mm = re.match(r"fn=\((\d+)\)(?: (.*))?", line)
            if mm:
                if mm.group(2):
                    names[mm.group(1)] = mm.group(2)
                fn = names.get(mm.group(1), mm.group(1))
            else:
                fn = line[3:]
            in_call = False
        elif line.startswith("calls="):
            in_call = True
        elif line and (line[0].isdigit() or line[0] in "+-*") and fn is not None:
            parts = line.split()
            if in_call:  # the cost line after calls= is the callee's inclusive cost
                in_call = False
                continue
            if len(parts) >= 2:
                try:
                    per[fn] = per.get(fn, 0) + int(parts[1])
                except ValueError:
                    pass
    return total, per


def inclusive(path, pattern):
    """The summed inclusive Ir of the functions whose name matches pattern (callgrind_annotate)."""
    try:
        txt = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return 0
    tot, seen = 0, set()
    for line in txt.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*?:(\S+)", line)
        if m and re.fullmatch(pattern, m.group(2)) and m.group(2) not in seen:
            seen.add(m.group(2))
            tot += int(m.group(1).replace(",", ""))
    return tot


def row_of(d, name, a):
    r = {"row": name, "build": (read(f"{d}/build.txt") or "").strip(),
         "run": (read(f"{d}/run.txt") or "").strip()}
    t = read(f"{d}/time.txt")
    if t:
        try:
            u, s, w, kb = t.split()[-4:]
            r.update(cpu_s=float(u) + float(s), wall_s=float(w), peak_rss_bytes=int(kb) * 1024)
        except ValueError:
            pass
    mc = f"{d}/out/metrics.csv"
    if os.path.exists(mc):
        rows = list(csv.DictReader(open(mc)))
        done = [x for x in rows if x.get("status") == "complete"]
        r["epochs_done"] = len(done)
        r["train_wall_s"] = sum(float(x["wall_s"]) for x in done)
        tests = [x for x in done if x.get("test_accuracy")]
        if done:
            r["train_accuracy"] = float(done[-1]["train_accuracy"])
            r["train_loss"] = float(done[-1]["train_loss"])
            if len(tests) > 1:   # evaluated more than once (FM_EVAL): the curve
                r["test_accuracy_by_epoch"] = [[int(x["epoch"]), float(x["test_accuracy"])]
                                               for x in tests]
            if tests:
                r["test_accuracy"] = float(tests[-1]["test_accuracy"])
                r["test_loss"] = float(tests[-1]["test_loss"])
                r["test_epoch"] = int(tests[-1]["epoch"])
        try:
            rj = json.load(open(f"{d}/out/run.json"))
            r["run_json"] = rj
            tr = rj.get("training", {})
            ntr, nte = tr.get("train_examples", 0), tr.get("test_examples", 0)
            # trained and evaluated: the epochs and the test evaluations metrics.csv records
            # (any evaluate_every; an interrupted epoch is not counted)
            r["examples_run"] = ntr * len(done) + nte * len(tests)
            r["test_evaluations"] = len(tests)
            r["train_examples"], r["test_examples"] = ntr, nte
            r["example_steps"] = tr.get("example_steps")
            if "cpu_s" in r and r["examples_run"]:
                r["cpu_ms_per_example"] = 1000 * r["cpu_s"] / r["examples_run"]
        except (OSError, ValueError):
            pass
    log = read(f"{d}/log.txt") or ""
    m = re.search(r"torch training wall ([0-9.]+) s: .* \(CPU ([0-9.]+) ms\); last epoch train loss "
                  r"([0-9.]+) accuracy ([0-9.]+); test accuracy ([0-9.]+) \(loss ([0-9.]+)\) on (\d+)",
                  log)
    if m:
        r.update(train_wall_s=float(m.group(1)), train_loss=float(m.group(3)),
                 train_accuracy=float(m.group(4)), test_accuracy=float(m.group(5)),
                 test_loss=float(m.group(6)), peer=True)
        e = re.search(r"training examples x (\d+) epochs", log)
        r["epochs_done"] = int(e.group(1)) if e else a.epochs
        r["train_cpu_ms_per_example"] = float(m.group(2))
        # the whole process over the examples run (trained + evaluated), as the simulator's
        ntr = re.search(r"(\d+) training examples x", log)
        if ntr and "cpu_s" in r:
            r["train_examples"], r["test_examples"] = int(ntr.group(1)), int(m.group(7))
            r["examples_run"] = r["train_examples"] * r["epochs_done"] + r["test_examples"]
            r["cpu_ms_per_example"] = 1000 * r["cpu_s"] / r["examples_run"]
        tc = re.search(r"; test wall ([0-9.]+) s CPU ([0-9.]+) s", log)
        if tc:
            r["test_wall_s"], r["test_cpu_s"] = float(tc.group(1)), float(tc.group(2))
    if name.startswith("cg_"):
        t1, _ = callgrind(f"{d}/cg{a.cg_n}.out")
        t2, _ = callgrind(f"{d}/cg{2 * a.cg_n}.out")
        if t1 and t2:
            r["instr_per_example"] = (t2 - t1) / a.cg_n
            # the connectivity updates' own functions (snn_rewire_<proj>_<update>, inclusive:
            # the removal, the re-insertion and their runtime calls) per example
            rw = [inclusive(f"{d}/cg{n}.out", r"snn_rewire_\w+") for n in (a.cg_n, 2 * a.cg_n)]
            r["rewire_instr_per_example"] = (rw[1] - rw[0]) / a.cg_n
    return r


def meta(a):
    def sh(*c):
        try:
            return subprocess.run(c, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""
    cpu = ""
    for line in (read("/proc/cpuinfo") or "").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    host = socket.gethostname()
    return {"machine": os.environ.get("SNNBENCH_MACHINE", host), "hostname": host,
            "os": f"{platform.system()} {platform.release()}", "cpu": cpu,
            "cores": os.cpu_count() or 1,
            "commit": os.environ.get("SNNBENCH_COMMIT", sh("git", "rev-parse", "--short=12", "HEAD")),
            "dirty": bool(sh("git", "status", "--porcelain", "--untracked-files=no")),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "load": (read("/proc/loadavg") or "").strip()}


def record(r, m, a, store):
    name = r["row"]
    params = {}
    for k, v in re.findall(r"-D (\w+)=(\S+)", r["build"]):
        try:
            params[k] = float(v) if "." in v or "e" in v else int(v)
        except ValueError:
            params[k] = v
    model = "eprop_torch" if r.get("peer") else "eprop_classifier"
    data = "synthshd" if name.startswith("shd") else "fashion_mnist"
    ranks = int(name[3:]) if name.startswith("mpi") else 1
    sim = r.get("train_wall_s", r.get("wall_s", 0.0))
    res = {k: r[k] for k in ("test_accuracy", "test_loss", "train_accuracy", "train_loss",
                             "epochs_done", "test_epoch", "cpu_s", "instr_per_example",
                             "rewire_instr_per_example", "deepr_share_by_difference", "rewire_share",
                             "rewire_update_s", "train_cpu_ms_per_example", "cpu_ms_per_example",
                             "train_examples", "test_examples", "example_steps",
                             "test_evaluations", "test_accuracy_by_epoch", "test_cpu_s", "test_wall_s",
                             "weights_identical_to_1_rank") if k in r}
    res["data"] = data
    ep = r.get("epochs_done") or 0
    if "cpu_s" in r and ep:
        res["cpu_s_per_epoch"] = r["cpu_s"] / ep   # the whole run: evaluation included
    if "train_wall_s" in r and ep:
        res["train_wall_s_per_epoch"] = r["train_wall_s"] / ep
    rj = r.get("run_json", {})
    ntr = r.get("train_examples") or (a.n if r.get("peer") else None)
    if ntr:
        params["train_examples"] = ntr
    tag = f"-n{ntr}" if ntr else ""
    if name.startswith("cg_"):
        params["cg_examples"] = a.cg_n
        tag = f"-cg{a.cg_n}"
    rec = {"schema": 1, "kind": "snnbench-record", "status": "ok", "reason": None,
           "suite": "eprop_results", "rep": 1,
           "cell": {"id": f"{name}{tag}-{'torch' if r.get('peer') else 'c'}-r{ranks}-t{a.threads}",
                    "model": model, "file": "bench/peers/eprop_torch.py" if r.get("peer")
                    else "models/eprop_classifier.lua", "params": params,
                    "backend": "torch" if r.get("peer") else "c", "peer": "torch" if r.get("peer") else None,
                    "ranks": ranks, "threads": a.threads, "mpi": ranks > 1, "exchange": None,
                    "time_ms": rj.get("duration_ms", 0) or 0, "reps": 1, "timeout_s": 0},
           "timers": {"simulation_s": sim, "wall_s": r.get("wall_s"), "cpu_s": r.get("cpu_s")},
           "sanity": {}, "memory": {"peak_rss_bytes": r.get("peak_rss_bytes")},
           "results": res,
           "meta": dict(m, launch_command=r["run"] or r["build"], build_command=r["build"])}
    d = f"{store}/{m['machine']}/{m['commit']}"
    os.makedirs(d, exist_ok=True)
    stamp = m["date"].replace(":", "").replace("-", "")
    p = f"{d}/eprop_results-{rec['cell']['id']}-1-{stamp}.json"
    k = 1
    while os.path.exists(p):
        k += 1
        p = f"{d}/eprop_results-{rec['cell']['id']}-1-{stamp}-{k}.json"
    with open(p, "w") as f:
        json.dump(rec, f, indent=1)
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--ntest", type=int, default=10000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--shd-epochs", type=int, default=2)
    ap.add_argument("--cg-n", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1, help="threads per run (THREADS)")
    ap.add_argument("--store", default=os.environ.get("SNNBENCH_STORE", "bench-store"))
    ap.add_argument("--no-records", action="store_true")
    a = ap.parse_args()
    rows = []
    for name in sorted(os.listdir(a.dir)):
        d = f"{a.dir}/{name}"
        if os.path.isdir(d) and re.match(r"(fm|shd|cg|mpi)", name) and not name.startswith("synthshd"):
            rows.append(row_of(d, name, a))
    print(f"{'row':18} {'epochs':>6} {'train acc':>9} {'test acc':>9} {'train wall s':>12} "
          f"{'CPU s':>8} {'CPU ms/ex':>9} {'instr/example':>14} {'rewire instr/ex':>15}")
    for r in rows:
        def f(k, fmt):
            return format(r[k], fmt) if k in r and r[k] is not None else "-"
        print(f"{r['row']:18} {f('epochs_done', 'd'):>6} {f('train_accuracy', '.4f'):>9} "
              f"{f('test_accuracy', '.4f'):>9} {f('train_wall_s', '.1f'):>12} {f('cpu_s', '.1f'):>8} {f('cpu_ms_per_example', '.2f'):>9} "
              f"{f('instr_per_example', '.4g'):>14} {f('rewire_instr_per_example', '.4g'):>15}")
    for r in rows:   # rows evaluated after several epochs: test accuracy per epoch
        if "test_accuracy_by_epoch" in r:
            print(f"{r['row']}: test accuracy by epoch "
                  + ", ".join(f"{e}: {v:.4f}" for e, v in r["test_accuracy_by_epoch"]))
    cg = {r["row"]: r for r in rows if "instr_per_example" in r}
    if "cg_dense" in cg and "cg_static1" in cg:
        print(f"instructions per training example, dense / static 1 %: "
              f"{cg['cg_dense']['instr_per_example'] / cg['cg_static1']['instr_per_example']:.2f}x")
    if "cg_deepr1" in cg:
        c = cg["cg_deepr1"]
        c["rewire_share"] = c["rewire_instr_per_example"] / c["instr_per_example"]
        print(f"DEEP R 1 %: the connectivity updates' functions (snn_rewire_*, inclusive) "
              f"{c['rewire_instr_per_example']:.4g} of {c['instr_per_example']:.4g} instructions "
              f"per example ({100 * c['rewire_share']:.2f} %)")
        if "cg_static1" in cg:
            s1 = cg["cg_static1"]["instr_per_example"]
            c["deepr_share_by_difference"] = (c["instr_per_example"] - s1) / c["instr_per_example"]
            print(f"DEEP R 1 % against static 1 %: {c['instr_per_example']:.4g} vs {s1:.4g} "
                  f"instructions per example: DEEP R's share (the sign and L1 update, the "
                  f"rewiring, and any change of activity) {100 * c['deepr_share_by_difference']:.2f} %")
    for r in rows:   # the phase timers: the connectivity updates' time in the training run
        cu = r.get("run_json", {}).get("connectivity_updates") or []
        if cu and r.get("train_wall_s"):
            up = sum(x.get("update_s", 0) for x in cu)
            r["rewire_update_s"] = up
            print(f"{r['row']}: connectivity updates {up:.2f} s of {r['train_wall_s']:.1f} s "
                  f"training wall time ({100 * up / r['train_wall_s']:.2f} %); removed/added "
                  f"{', '.join(x['projection'] + ' ' + str(x['removed']) for x in cu)}; failed "
                  f"{sum(x.get('failed', 0) for x in cu)}")
    w1, w2 = f"{a.dir}/mpi1/weights", f"{a.dir}/mpi2/weights"
    if os.path.isdir(w1) and os.path.isdir(w2):
        same = all(read_bytes(f"{w1}/{x}") == read_bytes(f"{w2}/{x}") for x in sorted(os.listdir(w1)))
        for r in rows:
            if r["row"] == "mpi2":
                r["weights_identical_to_1_rank"] = same
        print(f"MPI: final weights of 1 and 2 ranks {'bitwise identical' if same else 'DIFFER'} "
              f"({', '.join(sorted(os.listdir(w1)))})")
    if not a.no_records:
        m = meta(a)
        for r in rows:
            # not a row still running or stopped before its first epoch (epochs_done 0)
            if r.get("epochs_done") or "instr_per_example" in r or r["row"].startswith("mpi"):
                print("record:", record(r, m, a, a.store))


def read_bytes(p):
    with open(p, "rb") as f:
        return f.read()


if __name__ == "__main__":
    main()
