#!/usr/bin/python3
"""bench/eprop_results.py - the table of bench/eprop_results.sh's rows (issue 15's results,
docs/performance.md) and one snnbench record per row (schema 1, docs/benchmarking.md
"Records"; suite "eprop_results", cell id = the row's name).

    bench/eprop_results.py build/eprop-results [--store DIR] [--no-records]

Per row directory: build.txt (the snncc command), run.txt (the run), time.txt (/usr/bin/time
"%U %S %e %M": user, system, wall seconds, peak KB), out/metrics.csv and out/run.json of the
training loop, or log.txt of the PyTorch peer, or cg<N>.out of callgrind.  The record's
timers.simulation_s is the training wall time (the epochs' wall_s, no evaluation; the
peer's training loop); `results` holds the accuracies, the CPU time and the instruction
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
        if done:
            r["train_accuracy"] = float(done[-1]["train_accuracy"])
            r["train_loss"] = float(done[-1]["train_loss"])
            tests = [x for x in done if x.get("test_accuracy")]
            if tests:
                r["test_accuracy"] = float(tests[-1]["test_accuracy"])
                r["test_loss"] = float(tests[-1]["test_loss"])
                r["test_epoch"] = int(tests[-1]["epoch"])
        try:
            rj = json.load(open(f"{d}/out/run.json"))
            r["run_json"] = rj
        except (OSError, ValueError):
            pass
    log = read(f"{d}/log.txt") or ""
    m = re.search(r"torch training wall ([0-9.]+) s: .* \(CPU ([0-9.]+) ms\); last epoch train loss "
                  r"([0-9.]+) accuracy ([0-9.]+); test accuracy ([0-9.]+) \(loss ([0-9.]+)\) on (\d+)",
                  log)
    if m:
        r.update(train_wall_s=float(m.group(1)), train_loss=float(m.group(3)),
                 train_accuracy=float(m.group(4)), test_accuracy=float(m.group(5)),
                 test_loss=float(m.group(6)), epochs_done=a.epochs, peer=True)
        r["train_cpu_ms_per_example"] = float(m.group(2))
    if name.startswith("cg_"):
        t1, p1 = callgrind(f"{d}/cg{a.cg_n}.out")
        t2, p2 = callgrind(f"{d}/cg{2 * a.cg_n}.out")
        if t1 and t2:
            r["instr_per_example"] = (t2 - t1) / a.cg_n
            # DEEP R's own functions (the custom update of the sign and L1 and the
            # connectivity update), their self cost difference per example
            dr = 0
            for fn in set(p1) | set(p2):
                if re.search(r"deep_?r|DeepR|rewire|IH_dr|HH_dr|_dr_|conn_update|cand", fn, re.I):
                    dr += p2.get(fn, 0) - p1.get(fn, 0)
            r["deepr_instr_per_example"] = dr / a.cg_n
            r["deepr_functions"] = sorted(
                fn for fn in set(p2)
                if re.search(r"deep_?r|DeepR|rewire|IH_dr|HH_dr|_dr_|conn_update|cand", fn, re.I))
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
                             "deepr_instr_per_example", "train_cpu_ms_per_example") if k in r}
    res["data"] = data
    res["train_examples"] = a.n if data == "fashion_mnist" else None
    ep = r.get("epochs_done") or 0
    if "cpu_s" in r and ep:
        res["cpu_s_per_epoch"] = r["cpu_s"] / ep   # the whole run: evaluation included
    if "train_wall_s" in r and ep:
        res["train_wall_s_per_epoch"] = r["train_wall_s"] / ep
    rj = r.get("run_json", {})
    rec = {"schema": 1, "kind": "snnbench-record", "status": "ok", "reason": None,
           "suite": "eprop_results", "rep": 1,
           "cell": {"id": f"{name}-{'torch' if r.get('peer') else 'c'}-r{ranks}-t1",
                    "model": model, "file": "bench/peers/eprop_torch.py" if r.get("peer")
                    else "models/eprop_classifier.lua", "params": params,
                    "backend": "torch" if r.get("peer") else "c", "peer": "torch" if r.get("peer") else None,
                    "ranks": ranks, "threads": 1, "mpi": ranks > 1, "exchange": None,
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
    ap.add_argument("--store", default=os.environ.get("SNNBENCH_STORE", "bench-store"))
    ap.add_argument("--no-records", action="store_true")
    a = ap.parse_args()
    rows = []
    for name in sorted(os.listdir(a.dir)):
        d = f"{a.dir}/{name}"
        if os.path.isdir(d) and re.match(r"(fm|shd|cg|mpi)", name) and not name.startswith("synthshd"):
            rows.append(row_of(d, name, a))
    print(f"{'row':18} {'epochs':>6} {'train acc':>9} {'test acc':>9} {'train wall s':>12} "
          f"{'CPU s':>8} {'instr/example':>14} {'DEEP R instr/ex':>15}")
    for r in rows:
        def f(k, fmt):
            return format(r[k], fmt) if k in r and r[k] is not None else "-"
        print(f"{r['row']:18} {f('epochs_done', 'd'):>6} {f('train_accuracy', '.4f'):>9} "
              f"{f('test_accuracy', '.4f'):>9} {f('train_wall_s', '.1f'):>12} {f('cpu_s', '.1f'):>8} "
              f"{f('instr_per_example', '.4g'):>14} {f('deepr_instr_per_example', '.4g'):>15}")
    cg = {r["row"]: r for r in rows if "instr_per_example" in r}
    if "cg_dense" in cg and "cg_static1" in cg:
        print(f"instructions per training example, dense / static 1 %: "
              f"{cg['cg_dense']['instr_per_example'] / cg['cg_static1']['instr_per_example']:.2f}x")
    if "cg_deepr1" in cg:
        c = cg["cg_deepr1"]
        print(f"DEEP R 1 %: its own functions {c['deepr_instr_per_example']:.4g} of "
              f"{c['instr_per_example']:.4g} instructions per example "
              f"({100 * c['deepr_instr_per_example'] / c['instr_per_example']:.2f} %): "
              f"{', '.join(c.get('deepr_functions', []))}")
    w1, w2 = f"{a.dir}/mpi1/weights", f"{a.dir}/mpi2/weights"
    if os.path.isdir(w1) and os.path.isdir(w2):
        same = all(read_bytes(f"{w1}/{x}") == read_bytes(f"{w2}/{x}") for x in sorted(os.listdir(w1)))
        print(f"MPI: final weights of 1 and 2 ranks {'bitwise identical' if same else 'DIFFER'} "
              f"({', '.join(sorted(os.listdir(w1)))})")
    if not a.no_records:
        m = meta(a)
        for r in rows:
            if "epochs_done" in r or "instr_per_example" in r or r["row"].startswith("mpi"):
                print("record:", record(r, m, a, a.store))


def read_bytes(p):
    with open(p, "rb") as f:
        return f.read()


if __name__ == "__main__":
    main()
