#!/usr/bin/python3
"""Models that use every name docs/language.md documents for code strings.

Reads two tables of docs/language.md:
  - "### Names" (neuron code): every name in sim, threshold and reset; the writable ones
    assigned in sim and reset;
  - the synapse code table under "## Weight update models" (columns code | runs over |
    when | reads | writes): every group of the "reads" column read in that code string,
    every group of the "writes" column assigned.
Usage:
  code_names.py DOCS OUT.lua              the model with every name (must compile and run)
  code_names.py DOCS --negatives DIR      one model per (code, name) the table does not
                                          allow (a read of a group not in "reads", an
                                          assignment to one not in "writes"); prints
                                          "file<TAB>name" per model (each must fail --check)
"""
import os
import re
import sys

# what each documented group is in the generated model
SYN_GROUP = {
    "params": "pa",
    "synapse vars": "sv",
    "pre vars": "xp",
    "post vars": "yq",
    "pre neuron vars": "V_pre",
    "post neuron vars": "V_post",
    "`id_pre`": "id_pre",
    "`id_post`": "id_post",
    "pre neuron egps": "E1_pre[1]",
    "post neuron egps": "E1_post[2]",
    "`dt`": "dt",
    "`t`": "t",
}
WRITABLE = {"synapse vars": "sv", "pre vars": "xp", "post vars": "yq"}
NEURON_NAME = {
    "parameters": "pn",
    "variables": "V",
    "locals": "lo",
    "`dt`": "dt",
    "`t`": "t",
    "`id`": "id",
    "`name[i]`": "E1[id]",
    "`Isyn`": "Isyn",
}
# names that exist only in a model with a spike_source_dataset population (tested with
# one in tests/e2e/datasets.sh and cuda_emulated.sh)
DATASET_ONLY = {"`label`, `example`"}


def table_after(text, heading, first_col):
    """Rows (lists of cells) of the first table after heading whose header starts first_col."""
    i = text.index(heading)
    rows, started = [], False
    for line in text[i:].splitlines():
        if line.startswith("| " + first_col + " |"):
            started = True
            continue
        if started:
            if not line.startswith("|"):
                break
            if line.startswith("|---") or line.startswith("| ---"):
                continue
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    if not rows:
        sys.exit(f"code_names.py: no table '{first_col}' after '{heading}'")
    return rows


def groups(cell):
    return [g.strip() for g in cell.split(",") if g.strip()]


def read_docs(path):
    text = open(path).read()
    syn = {}
    for row in table_after(text, "## Weight update models", "code"):
        code = row[0].strip("`")
        reads, writes = groups(row[3]), groups(row[4])
        for g in reads + writes:
            if g not in SYN_GROUP:
                sys.exit(f"code_names.py: unknown group '{g}' for {code}: extend SYN_GROUP")
        syn[code] = (reads, writes)
    neuron = []
    for row in table_after(text, "### Names", "name"):
        if row[0] in DATASET_ONLY:
            continue
        if row[0] not in NEURON_NAME:
            sys.exit(f"code_names.py: unknown neuron name '{row[0]}': extend NEURON_NAME")
        neuron.append((row[0], row[2] == "yes"))
    return syn, neuron


def syn_code(reads, writes, extra=""):
    terms = " + ".join(SYN_GROUP[g] for g in reads)
    body = f"scalar r = 1e-6 * ({terms}) + 1e-6 * uniform(); "
    for g in writes:
        body += f"{WRITABLE[g]} += r; "
    if "synapse vars" in writes:
        body += "w += 1e-3 * r; "
    return body + extra


def neuron_model(neuron):
    reads = " + ".join(NEURON_NAME[n] for n, _ in neuron if n != "locals")
    thr = " + ".join(NEURON_NAME[n] for n, _ in neuron if n not in ("locals", "variables"))
    return f'''local nrn = neuron {{
  name = "nrn", params = {{ pn = 0.25 }}, vars = {{ V = 0.0, acc = 0.0 }},
  egp = {{ "E1" }}, inputs = {{ "I2" }},
  sim = "scalar lo = 1e-6 * ({reads} + I2); V += 0.07 + 0.01 * lo + 1e-3 * uniform();",
  threshold = "V > 1.0 + 1e-9 * ({thr} + V + I2)",
  reset = "scalar lo = 1e-9 * ({reads} + I2); V = lo;",
}}
'''


def model(syn, neuron, name, codes):
    fields = "".join(f'  {k} = "{v}",\n' for k, v in codes.items())
    return f'''network {{ name = "{name}", dt = 0.1, seed = 5, precision = "double" }}
{neuron_model(neuron)}
local allsyn = synapse {{
  name = "allsyn", params = {{ pa = 0.5 }}, vars = {{ w = 0.2, sv = 0.0 }},
  pre_vars = {{ xp = 0.0 }}, post_vars = {{ yq = 0.0 }},
{fields}}}
local A = population {{ "A", nrn, 40, egp = {{ E1 = {{ {", ".join(str(i * 0.01) for i in range(40))} }} }},
                        init = {{ V = uniform(0.0, 1.0) }} }}
local B = population {{ "B", nrn, 40, egp = {{ E1 = {{ {", ".join("0.0" for i in range(40))} }} }} }}
projection {{ A, B, name = "AB", conn = one_to_one(), synapse = allsyn, delay = 0.2,
             target = "acc" }}
record {{ A = "spikes", B = {{ "spikes", "acc", "V" }} }}
'''


def main():
    syn, neuron = read_docs(sys.argv[1])
    if sys.argv[2] != "--negatives":
        codes = {k: syn_code(*v) for k, v in syn.items()}
        open(sys.argv[2], "w").write(model(syn, neuron, "allnames", codes))
        return
    out = sys.argv[3]
    os.makedirs(out, exist_ok=True)
    n = 0
    for code, (reads, writes) in syn.items():
        for g, name in SYN_GROUP.items():
            cases = []
            if g not in reads:
                cases.append((f"scalar q = {name};", name, "read"))
            if g in WRITABLE and g not in writes:
                cases.append((f"{name} += 1.0;", name, "write"))
            if g in ("params", "`dt`", "`t`"):
                cases.append((f"{name} = 1.0;", name, "write"))
            for stmt, nm, how in cases:
                nm = nm.split("[")[0]  # an array: the error names the array
                f = os.path.join(out, f"neg{n}_{code}_{how}.lua")
                open(f, "w").write(model(syn, neuron, f"neg{n}", {code: stmt}))
                print(f"{f}\t{nm}")
                n += 1
    for nname, writable in neuron:
        if writable or nname in ("`name[i]`", "locals"):
            continue
        f = os.path.join(out, f"neg{n}_sim_write.lua")
        txt = model(syn, neuron, f"neg{n}", {})
        txt = txt.replace('sim = "scalar lo', f'sim = "{NEURON_NAME[nname]} = 1.0; scalar lo', 1)
        open(f, "w").write(txt)
        print(f"{f}\t{NEURON_NAME[nname]}")
        n += 1


main()
