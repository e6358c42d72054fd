#!/usr/bin/env python3
# bench/microcircuit_buckets.py - a measurement prototype for issue 18 (docs/performance.md
# "Where the delivery's time goes"), not a feature: rewrites a generated microcircuit.c
# (snncc -k) so that spike delivery appends (target, weight) events to a bucket per
# (ring, thread block, ring row) instead of adding into the dendritic ring, and each
# population's update first adds its row's bucket into the ring row, in bucket order.
# Every ring word receives the same additions in the same order (bitwise the same spikes);
# the ring itself is kept (no memory saved).  Works on the C back end's het-delay sparse
# delivery with 1-byte delays and one ring per population (input 0), as the microcircuit
# generates it.
#   python3 bench/microcircuit_buckets.py DIR/microcircuit.c OUT/microcircuit.c
#   cp DIR/Makefile OUT/ && make -C OUT
import re, sys
src, dst = sys.argv[1], sys.argv[2]
s = open(src).read()
pops = sorted(set(re.findall(r'static scalar \*snn_dd0_(\w+);', s)))
hdr = '''
typedef struct { uint32_t j; float w; } snn_bkev;
typedef struct { uint32_t n, cap; snn_bkev *e; } snn_bk;
static inline snn_bkev *snn_bk_room(snn_bk *B, uint32_t m)
{
    if (B->n + m > B->cap) {
        uint32_t c = B->cap ? B->cap : 1024u;
        while (c < B->n + m) c *= 2u;
        B->e = realloc(B->e, sizeof(snn_bkev) * c);
        if (!B->e) abort();
        B->cap = c;
    }
    return B->e + B->n;
}
'''
for p in pops:
    hdr += 'static snn_bk *snn_bk_%s;\n' % p
    hdr += ('static inline snn_bk *snn_bks_%s(int t)\n{\n    if (!snn_bk_%s) snn_bk_%s = calloc((size_t)snn_nthr * snn_ddn0_%s, sizeof(snn_bk));\n'
            '    return snn_bk_%s + (size_t)t * snn_ddn0_%s;\n}\n') % (p, p, p, p, p, p)
# insert the header before the first propagate function
i = s.find('static void snn_propagate_')
if not pops or i < 0:
    sys.exit(f"{src}: no dendritic rings or delivery functions: generate it with snncc -k "
             "from models/microcircuit.lua")
i = s.rindex('\n/*', 0, i)
s = s[:i] + hdr + s[i:]
# delivery
pat = re.compile(r'(scalar \*restrict ring = snn_dd0_(\w+) \+ snn_tlo_\w+\[snn_t\]; /\* this thread\'s targets \*/\n)')
s, n1 = pat.subn(lambda m: m.group(1) + '    snn_bk *restrict bks = snn_bks_%s(snn_t);\n' % m.group(2), s)
old = '''            scalar *restrict dst = ring + (size_t)r * SNN_NL_%s;
            const uint32_t e = snn_delay_run_end(dl, k, len);
            for (; k < e; k++)
                dst[row[k]] += w[k];'''
n2 = 0
for p in pops:
    o = old % p
    new = '''            (void)ring;
            const uint32_t e = snn_delay_run_end(dl, k, len);
            snn_bk *B = &bks[r];
            snn_bkev *restrict q = snn_bk_room(B, e - k);
            B->n += e - k;
            for (; k < e; k++, q++) {
                q->j = row[k];
                q->w = w[k];
            }'''
    n2 += s.count(o)
    s = s.replace(o, new)
# update: drain the bucket of this step's row into the ring row before reading it
pat = re.compile(r'(    scalar \*restrict snn_ddrow0 = snn_dd0_(\w+) \+ \(size_t\)\(snn_step % snn_ddn0_\w+\) \* SNN_NL_\w+;\n)')
def upd(m):
    p = m.group(2)
    return m.group(1) + ('''    {
        snn_bk *B = snn_bks_%s(snn_t) + (snn_step %% snn_ddn0_%s);
        scalar *restrict d = snn_ddrow0 + snn_b;
        const snn_bkev *restrict q = B->e;
        for (uint32_t x = 0; x < B->n; x++)
            d[q[x].j] += q[x].w;
        B->n = 0;
    }
''' % (p, p))
s, n3 = pat.subn(upd, s)
if not pops or n1 == 0 or n2 != n1 or n3 != len(pops):
    sys.exit(f"{src}: not the expected delivery code (rings {len(pops)}, delivery functions "
             f"{n1}, run loops {n2}, updates {n3}): generate it with snncc -k from "
             "models/microcircuit.lua")
print(f"{len(pops)} rings, {n1} delivery functions, {n3} updates rewritten", file=sys.stderr)
open(dst, 'w').write(s)
