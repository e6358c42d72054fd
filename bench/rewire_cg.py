#!/usr/bin/env python3
"""bench/rewire_cg.py - instruction counts of the connectivity updates from callgrind
(docs/performance.md "Topographic map", "Connectivity updates in parallel").  Not a test.

    bench/rewire_cg.py STEPS EVERY N_UPDATES callgrind.out.PID-01 [-02 ...]

(STEPS run, an update every EVERY steps, N_UPDATES updates in the model.)

The files are one run's outputs of `valgrind --tool=callgrind --separate-threads=yes`.
Inclusive counts (Ir) are computed from the raw files (each function's own cost plus its
calls').  The thread that runs model_step is the main thread; the step loop is its
model_step plus the other threads' regions (model_step_block_w, snn_rewire_<u>_<part>);
the updates are the main thread's snn_rewire_<u> (regions it ran included, and the
dispatch and join of the others) plus the regions the other threads ran.
"""
import re
import sys
from collections import defaultdict


def inclusive(path):
    names, own, called = {}, defaultdict(int), defaultdict(int)
    fn, in_call = None, False

    def name(s):
        m = re.match(r'\((\d+)\)(?: (.*))?', s)
        if not m:
            return s
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), m.group(1))

    for line in open(path):
        if line.startswith('fn='):
            fn = name(line[3:].strip())
        elif line.startswith('cfn='):
            name(line[4:].strip())
        elif line.startswith('calls='):
            in_call = True
            continue
        elif line[:1].isdigit() or line[:1] in '+-*':
            parts = line.split()
            if len(parts) >= 2 and fn is not None:
                (called if in_call else own)[fn] += int(parts[1])
        in_call = False
    return {f: own[f] + called[f] for f in set(own) | set(called)}


def main():
    steps, every, nu = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    per = [inclusive(f) for f in sorted(sys.argv[4:])]
    upd_fn = re.compile(r'^snn_rewire_[A-Za-z0-9_]+$')
    reg_fn = re.compile(r'^snn_rewire_[A-Za-z0-9_]+_(cand|rm|form|add|draw)$')
    runtime = re.compile(r'^snn_rewire_(region|par_|cand_|lengths|spread|setup|register|get|'
                         r'insert|whole|pairs|count|release|tgt_room|of|lane0)')
    main_t = max(per, key=lambda d: d.get('model_step', 0))
    loop = main_t.get('model_step', 0)
    upd_main = sum(v for k, v in main_t.items()
                   if upd_fn.match(k) and not reg_fn.match(k) and not runtime.match(k))
    reg_main = sum(v for k, v in main_t.items() if reg_fn.match(k))
    upd, workers = upd_main, []
    for d in per:
        if d is main_t:
            continue
        r = sum(v for k, v in d.items() if reg_fn.match(k))
        loop += d.get('model_step_block_w', 0) + r
        upd += r
        workers.append(r)
    n = nu * (steps // every)
    print(f"step loop {loop / 1e6:.1f} M instructions; updates {upd / 1e6:.2f} M "
          f"({100 * upd / loop:.1f} %), {upd / n:.0f} per update, {upd / steps:.0f} per step; "
          f"main thread {upd_main / 1e6:.2f} M (its regions {reg_main / 1e6:.2f} M), "
          f"other threads' regions {[round(w / 1e6, 2) for w in workers if w]} M")


if __name__ == '__main__':
    main()
