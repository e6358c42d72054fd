"""tests/lib/snn_rng.py - the simulator's random numbers reimplemented in plain Python, for
the tests that check recorded draws exactly (rng_v2.sh, cu_extras.sh, conn_snippets.sh,
rewire_cand/check.py, struct_plast/check.py).  docs/architecture.md "Random numbers"
documents the layout ("Key and counter layout", version 3):

  - Philox4x32-10 with Random123's constants (`philox`);
  - M = fmix64(seed), MurmurHash3's 64-bit finaliser (`fmix64`);
  - a stream's 32-bit id is the FNV-1a hash of its name (`stream_id`);
  - synapse-keyed streams (synapse code, custom updates over synapses, initial values of
    synapse variables): key (lo(M) ^ stream, hi(M) ^ lane), counter
    (draw | ordinal << 16, pre, post, step) (`syn_words`);
  - neuron-keyed streams (neuron code, custom updates over neurons, the rows of a
    connectivity update): key (lo(seed), stream), counter (draw | lane << 16, element, step,
    hi(seed)) (`neuron_words`);
  - snn_rng_uniform: 53 bits of two words, never 0 (`u53`);
  - constant-rate Poisson current sources below 10 per step (version 3): element e's word of
    step s is word (e & 3) of the block with key (lo(seed), stream), counter
    (lane << 16, e >> 2, s, hi(seed)) (e2e/current_sources.sh computes it with `philox`).

Import it with tests/lib on the path: a heredoc script after
`export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}"`, a script file with
`sys.path.insert(0, <its directory>/../../lib)`."""

M32, M64 = 0xFFFFFFFF, (1 << 64) - 1


def philox(ctr, key):
    """Philox4x32-10 (Random123's constants): the 4 words of counter ctr under key (k0, k1).
    The counter's words may be NumPy uint64 arrays (a block per element; the key then plain
    ints): the 4 words are then arrays too."""
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
        p0, p1 = 0xD2511F53 * c0, 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0) & M32, p1 & M32, ((p0 >> 32) ^ c3 ^ k1) & M32, p0 & M32
    return [c0, c1, c2, c3]


def fmix64(x):
    """MurmurHash3's 64-bit finaliser (snn_mix64)"""
    x ^= x >> 33; x = (x * 0xFF51AFD7ED558CCD) & M64
    x ^= x >> 33; x = (x * 0xC4CEB9FE1A85EC53) & M64
    return x ^ (x >> 33)


def stream_id(name):
    """a stream's id: FNV-1a of its name, 32 bits"""
    h = 2166136261
    for ch in name.encode():
        h = ((h ^ ch) * 16777619) & M32
    return h


def syn_words(seed, stream, pre, post, step, ordinal=0, lane=0):
    """the words of a synapse-keyed stream: synapse (pre, post, ordinal) in step `step` of
    batch lane `lane` (initial values: step = the attempt), in the order snn_rng_u32 gives
    them (an endless generator)"""
    m = fmix64(seed)
    key = ((m & M32) ^ stream_id(stream), (m >> 32) ^ lane)
    draw = 0
    while True:
        yield from philox([(draw | ordinal << 16) & M32, pre, post, step & M32], key)
        draw += 1


def neuron_words(seed, stream, elem, step, lane=0):
    """the words of a neuron-keyed stream: element `elem` (a global neuron, or the row of a
    connectivity update) in step `step` of batch lane `lane` (an endless generator)"""
    key = (seed & M32, stream_id(stream))
    draw = 0
    while True:
        yield from philox([(draw | lane << 16) & M32, elem, step & M32, seed >> 32], key)
        draw += 1


def u53(g):
    """snn_rng_uniform: a uniform number in (0, 1) from the next two words of generator g"""
    a, b = next(g) >> 5, next(g) >> 6
    x = (a << 26) | b
    return x / 2.0**53 if x else 2.0**-54
