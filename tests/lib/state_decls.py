"""Every piece of state a generated simulator declares at file scope must have an entry in
the model's state table (snncc --state), and every entry must be declared.
Usage: state_decls.py [--cuda | --cu] GENERATED STATE.tsv
(--cuda: the CUDA back end's host half GENERATED.c, which lacks the C template's spike
queues: the entries declared by the template may be missing.  --cu: its device half
GENERATED.cu: every __constant__ or __device__ variable at file scope is an entry the
device holds, a host array's copy (flags "device") or device-only state (flag
"device-only"), and every such entry is declared there.  The C back end has no
CUDA-only entries (flags "cuda").)
Prints the names that have none and exits 1 if any."""
import re
import sys

# file-scope statics that are not model state: the thread count, this rank's share of each
# population, the constant descriptor tables of the model (vars: the training loop's), and
# the count thresholds of a constant poisson() in code strings (snn_ptab<k>, compiler/lower.c:
# a function of the code's numbers, filled once in model_build)
NOT_STATE = re.compile(
    r"^(snn_nthr|snn_lo_\w+|snn_nl_\w+|pops|projs|varrecs|synrecs|rparams|cugroups|vars|model"
    r"|snn_ptab\d+)$")

cuda = sys.argv[1] == "--cuda"
cu = sys.argv[1] == "--cu"
src, tsv = sys.argv[1 + (cuda or cu)], sys.argv[2 + (cuda or cu)]
table = set()
tmpl = set()
cuda_only = set()
device = set()  # what the .cu declares: mirrors of host state and device-only state
for line in open(tsv):
    if line.startswith("#") or not line.strip():
        continue
    f = line.split("\t")
    flags = f[7].split(",")
    table.add(f[0])
    if "template" in flags:
        tmpl.add(f[0])
    if flags[0] == "cuda":
        cuda_only.add(f[0])
    if flags[0] == "device" or "device-only" in flags:
        device.add(f[0])

if cu:
    # the device half: variables in device memory at file scope (column 0)
    names = []
    for line in open(src):
        m = re.match(r"^(?:__constant__|__device__)\s+(.*)", line)
        if not m:
            continue
        decl = re.sub(r"/\*.*", "", m.group(1)).strip()
        if "(" in decl or decl.startswith("__forceinline__"):
            continue  # a function
        body = re.sub(r"^(const\s+)?(unsigned\s+long\s+long|[A-Za-z_]\w*)\s*", "", decl)
        for part in body.rstrip(";").split(","):
            n = re.match(r"\s*\**\s*([A-Za-z_]\w*)", part)
            if n:
                names.append(n.group(1))
    missing = []
    for n in names:
        if re.match(r"^snn_(lo|nl)_\w+$", n):
            continue  # this rank's block of a population (not state)
        base = re.sub(r"^snn_(maxlen|ilq)_", "snn_syn_", n)  # a projection's rows' companions
        if base not in device:
            missing.append(n)
    extra = sorted(device - set(names))
    print(f"{src}: {len(names)} device declarations, {len(device)} device entries")
    if missing:
        print("no state table entry for: " + ", ".join(missing))
    if extra:
        print("device state table entries not declared: " + ", ".join(extra))
    sys.exit(1 if missing or extra else 0)

names = []
for line in open(src):
    if not line.startswith("static "):  # file scope only (a function's statics are indented)
        continue
    line = re.sub(r"/\*.*", "", line).strip()
    line = re.sub(r"=\s*\{.*?\}", "", line)  # an initialiser list on the line
    if "(" in line.split("=")[0]:
        continue  # not file scope, or a function or function pointer
    body = re.sub(r"^static\s+(const\s+)?[A-Za-z_]\w*\s*", "", line)
    for part in body.split(","):
        part = part.split("=")[0]
        m = re.match(r"\s*(?:const\s+)?\**\s*([A-Za-z_]\w*)", part)
        if m:
            names.append(m.group(1))

missing = []
for n in names:
    if NOT_STATE.match(n):
        continue
    # compiled-in data behind a table entry (snn_sss0_P for snn_sss_P)
    base = re.sub(r"^(snn_ss[st])0_", r"\1_", n)
    if base not in table:
        missing.append(n)
# and the other way: every entry is declared (no entry the simulator does not have)
extra = sorted(table - set(names) - (tmpl if cuda else cuda_only))
print(f"{src}: {len(names)} file-scope declarations, {len(table)} table entries")
if missing:
    print("no state table entry for: " + ", ".join(missing))
if extra:
    print("state table entries not declared: " + ", ".join(extra))
sys.exit(1 if missing or extra else 0)
