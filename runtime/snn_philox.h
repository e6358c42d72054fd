/*
 * snn_philox.h - Philox4x32-10 counter-based RNG, header only, for C and CUDA.
 *
 * Philox4x32-10 is the generator of Salmon, Moraes, Dror and Shaw, "Parallel random
 * numbers: as easy as 1, 2, 3" (SC'11), with the Random123 constants; its output matches
 * Random123's published known-answer vectors (tests/unit/test_rt_rng.c).
 *
 * How snncc uses it (layout version 3, SNN_RNG_VERSION; docs/architecture.md "Random
 * numbers" has the table of every kind of stream):
 *   neuron-keyed and construction streams (snn_rng_init, snn_rng_init_lane):
 *     key     = { (uint32_t)seed, stream }
 *     counter = { draw | lane << 16, element, (uint32_t)step, (uint32_t)(seed >> 32) }
 *     (lane 0: exactly layout version 1)
 *   synapse-keyed streams (snn_rng_init_syn: draws in synapse code, random initial values
 *   of synapse variables), keyed by the synapse's identity, not its storage position:
 *     key     = { lo(M) ^ stream, hi(M) ^ lane },  M = snn_mix64(seed)
 *     counter = { draw | ordinal << 16, pre, post, (uint32_t)step }
 *   constant-rate Poisson current sources below 10 spikes per step (version 3,
 *   snn_rng_quad_word): one word per element and step, four elements per block:
 *     key     = { (uint32_t)seed, stream }
 *     counter = { lane << 16, element >> 2, (uint32_t)step, (uint32_t)(seed >> 32) },
 *     element's word: word (element & 3)
 * One Philox call yields 4 uint32; snn_rng hands them out one by one and bumps 'draw'
 * (counter word 0) when it needs the next block.  Everything is SNN_HD so the same code
 * runs on host and device and gives bit-identical integer streams.
 *
 * Draw counts are fixed so that streams stay aligned across back ends:
 *   snn_rng_u32          1 word
 *   snn_rng_uniform      2 words (53 bits)        snn_rng_uniformf   1 word (24 bits)
 *   snn_rng_normal       2 words                  snn_rng_normalf    1 word
 *                        (Ziggurat; its rare extra draws come from blocks off the stream,
 *                        see snn_normal_from64)
 *   snn_rng_exponential  1 uniform (2 words)
 *   snn_rng_poisson      1 word below lambda 10, 1 uniform (2 words) below 30, PTRS above
 *   snn_rng_below        1 word, more only on (rare) rejection
 *   snn_rng_binomial     n p < 10: 1 uniform (2 words), more only when rounding pushes the
 *                        search past n p + 10 sd + 10 (never in practice); n p >= 10: 2
 *                        uniforms (4 words) per BTRS trial, 1.1 to 1.3 trials on average
 * Only exp, log, log1p, sqrt, floor, fabs and lgamma (and expf, logf, sqrtf) are used, which
 * CUDA has too.  The Ziggurat's constant tables are function-local static consts, which nvcc
 * places in device memory when it compiles the function for the device.
 */
#ifndef SNN_PHILOX_H
#define SNN_PHILOX_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __CUDACC__
#define SNN_HD __host__ __device__ __forceinline__
#define SNN_HD_ALWAYS __host__ __device__ __forceinline__
#else
#define SNN_HD static inline
/* For the Philox block itself: the hot loops (connectivity, initialisers, per-neuron noise)
 * are faster with it inlined, which compilers do not always choose on their own. */
#define SNN_HD_ALWAYS __attribute__((always_inline)) static inline
#endif

#define SNN_PHILOX_M0 0xD2511F53u
#define SNN_PHILOX_M1 0xCD9E8D57u
#define SNN_PHILOX_W0 0x9E3779B9u
#define SNN_PHILOX_W1 0xBB67AE85u

/* One Philox round: (c0, c1, c2, c3) <- (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1,
 * lo(M0 c0)). */
#define SNN_PHILOX_ROUND(c0, c1, c2, c3, k0, k1)                                             \
    do {                                                                                     \
        uint64_t snn_p0_ = (uint64_t)SNN_PHILOX_M0 * (c0);                                   \
        uint64_t snn_p1_ = (uint64_t)SNN_PHILOX_M1 * (c2);                                   \
        (c0) = (uint32_t)(snn_p1_ >> 32) ^ (c1) ^ (k0);                                      \
        (c1) = (uint32_t)snn_p1_;                                                            \
        (c2) = (uint32_t)(snn_p0_ >> 32) ^ (c3) ^ (k1);                                      \
        (c3) = (uint32_t)snn_p0_;                                                            \
    } while (0)

/* Round with key bump before it (rounds 2..10). */
#define SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1)                                        \
    do {                                                                                     \
        (k0) += SNN_PHILOX_W0;                                                               \
        (k1) += SNN_PHILOX_W1;                                                               \
        SNN_PHILOX_ROUND(c0, c1, c2, c3, k0, k1);                                            \
    } while (0)

/* One Philox4x32-10 block: out = philox(ctr, key).  out may alias ctr.  Unrolled by hand
 * (compilers do not unroll the loop at -O2). */
SNN_HD_ALWAYS void snn_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    SNN_PHILOX_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

typedef struct snn_rng {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t buf[4];
    uint32_t left; /* words of buf not handed out yet */
} snn_rng;

SNN_HD_ALWAYS void snn_rng_init(snn_rng *g, uint64_t seed, uint32_t stream, uint32_t element,
                         uint64_t step)
{
    g->key[0] = (uint32_t)seed;
    g->key[1] = stream;
    g->ctr[0] = 0;
    g->ctr[1] = element;
    g->ctr[2] = (uint32_t)step;
    g->ctr[3] = (uint32_t)(seed >> 32);
    g->buf[0] = g->buf[1] = g->buf[2] = g->buf[3] = 0;
    g->left = 0;
}

/* A stream just set up whose first block b0..b3 (counter word 0 = 0) was computed
 * elsewhere: its words are the block's, then block 1's on. */
SNN_HD_ALWAYS void snn_rng_set_first(snn_rng *g, uint32_t b0, uint32_t b1, uint32_t b2,
                                     uint32_t b3)
{
    g->buf[0] = b0;
    g->buf[1] = b1;
    g->buf[2] = b2;
    g->buf[3] = b3;
    g->ctr[0] = 1; /* the next block */
    g->left = 4;
}

/* snn_rng_init with the stream's first block (counter word 0 = 0) already computed, as
 * snn_rng_first_blocks gives them for many elements at once (SIMD): the same stream, word
 * for word. */
SNN_HD_ALWAYS void snn_rng_init_first(snn_rng *g, uint64_t seed, uint32_t stream,
                                      uint32_t element, uint64_t step, uint32_t b0, uint32_t b1,
                                      uint32_t b2, uint32_t b3)
{
    snn_rng_init(g, seed, stream, element, step);
    snn_rng_set_first(g, b0, b1, b2, b3);
}

/* The version of the key and counter layout (run.json "rng").  3: constant-rate Poisson
 * current sources below 10 spikes per step take one word of a block shared by four
 * consecutive elements (snn_rng_quad_word); 2 took word 0 of each element's own block. */
#define SNN_RNG_VERSION 3

/* Element e's one 32-bit word of step 'step' on stream 'stream' (lane 'lane' of a batched
 * model, 0 otherwise): word (e & 3) of the block with counter (lane << 16, e >> 2, step,
 * seed_hi) and key (seed_lo, stream).  Each element and step has its own uniform word,
 * a function of (seed, stream, element, step, lane) only; four consecutive elements share
 * one block, so a batch (snn_rng_quad_words, rt_philox_batch.c) needs a quarter of the
 * blocks of one block per element.  Constant-rate Poisson current sources below 10 spikes
 * per step (snn_poisson_word) in every back end. */
SNN_HD_ALWAYS uint32_t snn_rng_quad_word(uint64_t seed, uint32_t stream, uint32_t element,
                                         uint64_t step, uint32_t lane)
{
    const uint32_t ctr[4] = {lane << 16, element >> 2, (uint32_t)step, (uint32_t)(seed >> 32)};
    const uint32_t key[2] = {(uint32_t)seed, stream};
    uint32_t w[4];
    snn_philox4x32_10(ctr, key, w);
    return w[element & 3u];
}

/* A bijection of 64-bit words with full avalanche (the finaliser of MurmurHash3): every
 * bit of the seed changes about half of the bits of the synapse-keyed streams' key. */
SNN_HD_ALWAYS uint64_t snn_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ull;
    x ^= x >> 33;
    return x;
}

/* A neuron-keyed stream of batch lane 'lane' (< 2^16): the lane in the high half of the
 * draw word, which is zero in layout version 1 (at most 2^16 blocks, 2^18 words, are drawn
 * per element and step), so lane 0 is snn_rng_init exactly. */
SNN_HD_ALWAYS void snn_rng_init_lane(snn_rng *g, uint64_t seed, uint32_t stream,
                                     uint32_t element, uint64_t step, uint32_t lane)
{
    snn_rng_init(g, seed, stream, element, step);
    g->ctr[0] = lane << 16;
}

/* The key of a synapse-keyed stream: the seed's 64 bits mixed (snn_mix64), the stream in
 * the low word, the lane in the high word.  For one seed, (stream, lane) -> key is a
 * bijection, so no two streams or lanes of a run share a key. */
SNN_HD_ALWAYS void snn_rng_key_syn(uint32_t key[2], uint64_t seed, uint32_t stream,
                                   uint32_t lane)
{
    const uint64_t m = snn_mix64(seed);
    key[0] = (uint32_t)m ^ stream;
    key[1] = (uint32_t)(m >> 32) ^ lane;
}

/* The key of lane 0 of a synapse-keyed stream as one word (k0 low, k1 high): generated
 * code computes it once per stream (snn_rng_init_synk). */
SNN_HD uint64_t snn_rng_syn_key(uint64_t seed, uint32_t stream)
{
    uint32_t key[2];
    snn_rng_key_syn(key, seed, stream, 0u);
    return (uint64_t)key[1] << 32 | key[0];
}

/* A synapse-keyed stream, from its key (snn_rng_syn_key): the synapse from global neuron
 * 'pre' to global neuron 'post' that is the ord-th (0, 1, ...) of that pair's synapses in
 * its row, at step 'step' (initial values: the attempt).  Draws are counted in the low 16
 * bits of counter word 0 (2^16 blocks per synapse and step, far more than any code string
 * takes); ord < 2^16 (snn_check_multapses). */
SNN_HD_ALWAYS void snn_rng_init_synk(snn_rng *g, uint64_t key, uint32_t lane, uint32_t pre,
                                     uint32_t post, uint32_t ord, uint64_t step)
{
    g->key[0] = (uint32_t)key;
    g->key[1] = (uint32_t)(key >> 32) ^ lane;
    g->ctr[0] = ord << 16;
    g->ctr[1] = pre;
    g->ctr[2] = post;
    g->ctr[3] = (uint32_t)step;
    g->buf[0] = g->buf[1] = g->buf[2] = g->buf[3] = 0;
    g->left = 0;
}

/* snn_rng_init_synk of lane 0 and ord 0 with the stream's first block already computed
 * (as snn_rewire_cand_blocks gives them): the same stream, word for word. */
SNN_HD_ALWAYS void snn_rng_init_synk_first(snn_rng *g, uint64_t key, uint32_t pre, uint32_t post,
                                           uint64_t step, uint32_t b0, uint32_t b1, uint32_t b2,
                                           uint32_t b3)
{
    snn_rng_init_synk(g, key, 0u, pre, post, 0u, step);
    snn_rng_set_first(g, b0, b1, b2, b3);
}

/* The same from the seed and the stream id. */
SNN_HD_ALWAYS void snn_rng_init_syn(snn_rng *g, uint64_t seed, uint32_t stream, uint32_t lane,
                                    uint32_t pre, uint32_t post, uint32_t ord, uint64_t step)
{
    snn_rng_key_syn(g->key, seed, stream, lane);
    g->ctr[0] = ord << 16;
    g->ctr[1] = pre;
    g->ctr[2] = post;
    g->ctr[3] = (uint32_t)step;
    g->buf[0] = g->buf[1] = g->buf[2] = g->buf[3] = 0;
    g->left = 0;
}

/* The next 32 random bits: the 4 words of block ctr[0] in order, then block ctr[0] + 1. */
SNN_HD_ALWAYS uint32_t snn_rng_u32(snn_rng *g)
{
    if (g->left == 0) {
        snn_philox4x32_10(g->ctr, g->key, g->buf);
        g->ctr[0]++;
        g->left = 4;
    }
    return g->buf[4 - g->left--];
}

/* Uniform double in (0, 1): 53 bits from two words (the first gives the high 27 bits).
 * The value 0 is mapped to 2^-54, so the result is never 0 or 1. */
SNN_HD_ALWAYS double snn_rng_uniform(snn_rng *g)
{
    uint32_t a = snn_rng_u32(g) >> 5; /* 27 bits */
    uint32_t b = snn_rng_u32(g) >> 6; /* 26 bits */
    uint64_t x = ((uint64_t)a << 26) | b;
    return x ? (double)x * (1.0 / 9007199254740992.0) : (1.0 / 18014398509481984.0);
}

/* Uniform float in (0, 1): 24 bits from one word; 0 is mapped to 2^-25. */
SNN_HD_ALWAYS float snn_rng_uniformf(snn_rng *g)
{
    uint32_t x = snn_rng_u32(g) >> 8;
    return x ? (float)x * (1.0f / 16777216.0f) : (1.0f / 33554432.0f);
}

/* ---- Standard normal: a 256-layer Ziggurat ------------------------------------------
 *
 * Marsaglia and Tsang, "The Ziggurat method for generating random variables" (J. Stat.
 * Softw. 5, 2000), with f(x) = exp(-x^2/2): 255 boxes [0, X[i]] x [f(X[i]), f(X[i+1])]
 * and a base layer (the box [0, r] x [0, f(r)] with the tail beyond r = X[1]), all of
 * the same area; tables from tools/gen_ziggurat.py.  A 64-bit draw m (the first word in
 * the high half) gives the layer i = m >> 56, the sign (bit 55) and a 53-bit uniform u
 * (bits 2..54); x = u X[i] is accepted at once when x < X[i+1] (the point lies under the
 * curve whatever its height), which happens for 99.3 % of draws; that path is a table
 * look-up and one multiplication, so its values are bit-identical on every back end.
 * Otherwise (0.7 %) the draw continues, exactly, from fallback blocks:
 *   layer 0 (x >= r): the tail, t = sqrt(r^2 - 2 ln U), accepted when V t < r (U, V:
 *     53-bit uniforms from one 64-bit draw each), as often as needed; the sign is m's;
 *   layers 1..255: the wedge test f(X[i]) + V (f(X[i+1]) - f(X[i])) < f(x) with V from
 *     the next draw; rejected, a whole new attempt (layer, sign, u) from the draw after.
 * The fallback draws come from Philox blocks outside every stream: for a normal whose last
 * word was word j (0..3) of the block with counter (c0, c1, c2, c3), fallback block f has
 * counter (c0, c1, c2, c3 ^ (0x80000000 | j << 29 | f << 24)) with the same key, f = 0, 1,
 * ..., 31, each giving two 64-bit draws (words 0-1, 2-3) or four 32-bit draws for the
 * float version.  Within a run (one seed) counter word 3 of a neuron-keyed stream is
 * always the seed's high word, so these blocks never coincide with a block of such a
 * stream; in a synapse-keyed stream (its own keys) it is the step (or the attempt of an
 * initial value), so they coincide with none of its blocks before step 2^31.  Different
 * normals (which end on different words) get different ones.  If 32 fallback blocks are used up (about
 * one normal in 10^60 gets there) the current candidate x is returned as it is.
 *
 * The float version takes one 32-bit word: layer = w >> 24, sign = bit 23, a 23-bit
 * uniform from bits 0..22, float tables (the double ones rounded), 24-bit uniforms in the
 * fallback. */

#define SNN_ZIG_R 3.654152885361009       /* X[1], the start of the tail */
#define SNN_ZIG_R2 13.352833309592185     /* r^2 */
#define SNN_ZIG_FALLBACK_BLOCKS 32u

/* X[0..256]: X[0] = v / f(r) (the base layer's equivalent width), X[1] = r, X[256] = 0. */
SNN_HD const double *snn_zig_x(void)
{
    static const double x[257] = {
        3.910757959524916, 3.654152885361009, 3.449278298561431,
        3.3202447338398255, 3.2245750520478014, 3.147889289518001,
        3.0835261320021434, 3.0278377917695933, 2.978603279881843,
        2.9343668672088876, 2.894121053613412, 2.8571387308732246,
        2.822877396826443, 2.7909211740019275, 2.760944005279986,
        2.7326853590440114, 2.705933656123062, 2.680514643285745,
        2.6562830375767432, 2.6331163936315827, 2.6109105184888235,
        2.5895759867082866, 2.569035452681844, 2.5492215503247833,
        2.530075232159854, 2.5115444416266945, 2.4935830412710467,
        2.476149939670523, 2.459208374334705, 2.442725318200364,
        2.4266709849371466, 2.4110184139011195, 2.3957431197819274,
        2.3808227951720857, 2.366237056717291, 2.3519672273791445,
        2.337996148796529, 2.3243080188711325, 2.310888250601372,
        2.2977233489028634, 2.284800802724492, 2.2721089902283818,
        2.2596370951737876, 2.247375032947389, 2.235313384929921,
        2.2234433400925107, 2.211756642884161, 2.2002455466112765,
        2.1889027716263607, 2.177721467740293, 2.1666951803543086,
        2.1558178198767375, 2.145083634047889, 2.134487182846017,
        2.1240233156895236, 2.113687150686653, 2.1034740557148774,
        2.093379631138792, 2.0833996939983046, 2.073530263518743,
        2.0637675478117323, 2.0541079316506523, 2.0445479652175313,
        2.035084353729619, 2.025713947863854, 2.016433734906204,
        2.0072408305605287, 1.9981324713584196, 1.989106007617438,
        1.9801588969004766, 1.9712886979336592, 1.962493064944363,
        1.9537697423846467, 1.9451165600086784, 1.9365314282756947,
        1.9280123340526658, 1.9195573365931882, 1.9111645637712533,
        1.9028322085504292, 1.8945585256707047, 1.8863418285367828,
        1.8781804862929958, 1.8700729210712668, 1.8620176053996742,
        1.8540130597602018, 1.8460578502851854, 1.8381505865828067,
        1.830289919682757, 1.8224745400938858, 1.8147031759662826,
        1.8069745913508208, 1.7992875845497203, 1.7916409865521625,
        1.7840336595494415, 1.7764644955245228, 1.7689324149112686,
        1.7614363653189102, 1.7539753203176716, 1.7465482782817223,
        1.7391542612859117, 1.7317923140529632, 1.724461502948045,
        1.717160915017823, 1.7098896570713018, 1.7026468547999232,
        1.6954316519345616, 1.6882432094371953, 1.681080704725174,
        1.673943330926125, 1.6668302961616654, 1.6597408228581825,
        1.652674147083056, 1.6456295179047824, 1.6386061967755476,
        1.6316034569348736, 1.6246205828330347, 1.6176568695730156,
        1.6107116223698301, 1.6037841560260946, 1.5968737944227882,
        1.5899798700241907, 1.5831017233960292, 1.5762387027359064,
        1.5693901634151237, 1.562555467531045, 1.5557339834691764,
        1.5489250854741734, 1.5421281532290019, 1.535342571441514,
        1.5285677294377125, 1.521803020760998, 1.5150478427767147,
        1.5083015962813116, 1.5015636851154637, 1.4948335157804935,
        1.4881104970574475, 1.4813940396281873, 1.4746835556978555,
        1.4679784586180795, 1.4612781625102755, 1.4545820818884103,
        1.447889631280576, 1.441200224848724, 1.4345132760058923,
        1.427828197030256, 1.421144398675309, 1.4144612897754711,
        1.407778276846399, 1.401094763679251, 1.394410150928141,
        1.3877238356899761, 1.3810352110758555, 1.3743436657731662,
        1.367648583597476, 1.360949343033283, 1.354245316762635,
        1.3475358711805872, 1.340820365896404, 1.33409815321936,
        1.3273685776279258, 1.3206309752210563, 1.3138846731502205,
        1.3071289890307312, 1.3003632303308372, 1.2935866937369478,
        1.2867986644932436, 1.279998415713818, 1.2731852076653563,
        1.2663582870182295, 1.2595168860637143, 1.2526602218948972,
        1.2457874955486272, 1.2388978911056874, 1.2319905747461362,
        1.2250646937565308, 1.2181193754854815, 1.211153726243699,
        1.2041668301443815, 1.1971577478794415, 1.190125515426692,
        1.1830691426826867, 1.175987612015452, 1.168879876730833,
        1.1617448594456115, 1.1545814503599277, 1.147388505420849,
        1.1401648443681514, 1.1329092486525338, 1.1256204592155334,
        1.118297174119345, 1.1109380460135758, 1.1035416794246398,
        1.0961066278520215, 1.0886313906539797, 1.0811144097034038,
        1.0735540657924363, 1.0659486747621225, 1.0582964833306752,
        1.05059566459093, 1.042844313144149, 1.035040439833441,
        1.0271819660356458, 1.0192667174654841, 1.0112924174399958,
        1.003256679544673, 0.995156999635091, 0.9869907470990624,
        0.9787551552942246, 0.9704473110642244, 0.9620641432230406,
        0.953602409881086, 0.9450586844681654, 0.9364293402865751,
        0.9277105334020002, 0.9188981836495906, 0.9099879534967185,
        0.9009752244612218, 0.8918550707329416, 0.8826222295851656,
        0.8732710680888608, 0.8637955455533088, 0.8541891710081638,
        0.8444449549091539, 0.8345553540863822, 0.8245122087522921,
        0.8143066701352152, 0.8039291169899713, 0.7933690588406233,
        0.7826150233072331, 0.7716544242245681, 0.7604734064301081,
        0.7490566620178153, 0.7373872114342956, 0.7254461409099996,
        0.7132122851909759, 0.7006618411068151, 0.6877678927957885,
        0.6744998228372938, 0.6608225742444197, 0.6466957148949938,
        0.6320722363860611, 0.6168969900077514, 0.6011046177559927,
        0.5846167661063794, 0.5673382570538188, 0.5491517023271651,
        0.5299097206615582, 0.5094233296020918, 0.487443966139236,
        0.46363433679088223, 0.4375184022078717, 0.40838913461199117,
        0.37512133287838056, 0.33573751921442524, 0.2861745917920725,
        0.2152418959848817, 0.0,
    };
    return x;
}

/* f(X[i]) = exp(-X[i]^2 / 2), f(X[256]) = 1. */
SNN_HD const double *snn_zig_f(void)
{
    static const double f[257] = {
        0.00047746776460938755, 0.0012602859304985975, 0.002609072746102163,
        0.0040379725933630305, 0.005522403299250998, 0.007050875471373227,
        0.008616582769398732, 0.010214971439701471, 0.01184275785790789,
        0.01349745060173988, 0.015177088307935327, 0.01688008315254317,
        0.018605121275724647, 0.02035109623004452, 0.022117062707308868,
        0.023902203305795882, 0.025705804008548896, 0.027527235669603085,
        0.029365939758133317, 0.03122141719192025, 0.03309321945857852,
        0.034980941461716084, 0.03688421568856729, 0.03880270740452612,
        0.04073611065594093, 0.04268414491647444, 0.04464655225129445,
        0.04662309490193037, 0.04861355321586853, 0.05061772386094777,
        0.05263541827679218, 0.05466646132488892, 0.0567106901062029,
        0.058767952920933765, 0.060838108349539864, 0.06292102443775813,
        0.06501657797124286, 0.0671246538277885, 0.06924514439700677,
        0.07137794905889037, 0.07352297371398127, 0.07568013035892708,
        0.07784933670209605, 0.08003051581466306, 0.08222359581320286,
        0.08442850957035337, 0.08664519445055796, 0.0888735920682758,
        0.09111364806637363, 0.09336531191269087, 0.09562853671300883,
        0.0979032790388623, 0.10018949876880982, 0.1024871589419351,
        0.1047962256224869, 0.10711666777468365, 0.10944845714681165,
        0.111791568163838, 0.11414597782783836, 0.11651166562561081,
        0.11888861344290999, 0.12127680548479022, 0.12367622820159656,
        0.12608687022018586, 0.12850872227999954, 0.13094177717364433,
        0.13338602969166913, 0.13584147657125373, 0.13830811644855073,
        0.1407859498144447, 0.14327497897351343, 0.14577520800599406,
        0.14828664273257455, 0.1508092906818457, 0.15334316106026286,
        0.15588826472447923, 0.1584446141559243, 0.1610122234375111,
        0.16359110823236572, 0.16618128576448207, 0.1687827748012115,
        0.17139559563750595, 0.17401977008183878, 0.176655321443735,
        0.17930227452284767, 0.18196065559952257, 0.18463049242679927,
        0.18731181422380028, 0.19000465167046499, 0.19270903690358915,
        0.19542500351413428, 0.19815258654577514, 0.2008918224946566,
        0.20364274931033488, 0.20640540639788074, 0.20917983462112502,
        0.21196607630703018, 0.2147641752511736, 0.21757417672433116,
        0.22039612748015197, 0.22323007576391746, 0.22607607132238022,
        0.22893416541468026, 0.2318044108243386, 0.23468686187232993,
        0.23758157443123798, 0.24048860594050042, 0.24340801542275015,
        0.24633986350126366, 0.24928421241852827, 0.25224112605594196,
        0.2552106699546617, 0.25819291133761896, 0.2611879191327209,
        0.2641957639972608, 0.26721651834356114, 0.27025025636587524,
        0.2732970540685769, 0.2763569892956681, 0.2794301417616378,
        0.28251659308370747, 0.2856164268155016, 0.28872972848218276,
        0.29185658561709504, 0.2949970877999617, 0.29815132669668537,
        0.30131939610080294, 0.3045013919766498, 0.30769741250429195,
        0.31090755812628634, 0.3141319315963371, 0.3173706380299135,
        0.32062378495690536, 0.3238914823763911, 0.32717384281360135,
        0.3304709813791634, 0.3337830158307183, 0.33711006663700593,
        0.3404522570445217, 0.3438097131468506, 0.34718256395679353,
        0.35057094148140594, 0.3539749808000766, 0.3573948201457803,
        0.3608306009896478, 0.3642824681290038, 0.3677505697790323,
        0.3712350576682393, 0.3747360871378909, 0.37825381724561896,
        0.38178841087339344, 0.3853400348400771, 0.3889088600187886,
        0.3924950614593154, 0.39609881851583223, 0.39972031498019706,
        0.40335973922111434, 0.4070172843294732, 0.41069314827018805,
        0.41438753404089096, 0.418100649837848, 0.4218327092294958,
        0.42558393133802186, 0.4293545410294413, 0.43314476911265215,
        0.4369548525479854, 0.4407850346658038, 0.4446355653957392,
        0.4485067015072028, 0.4523987068618483, 0.45631185267871616,
        0.46024641781284253, 0.464202689048174, 0.46818096140569326,
        0.4721815384677298, 0.47620473271950553, 0.4802508659090465,
        0.48432026942668294, 0.48841328470545764, 0.4925302636438682,
        0.4966715690524894, 0.5008375751261485, 0.5050286679434679,
        0.5092452459957476, 0.5134877207473266, 0.5177565172297559,
        0.5220520746723215, 0.526374847171684, 0.5307253044036616,
        0.5351039323804572, 0.5395112342569517, 0.5439477311900258,
        0.5484139632552655, 0.552910490425832, 0.5574378936187656,
        0.561996775814524, 0.566587763256164, 0.5712115067352528,
        0.5758686829723533, 0.5805599961007905, 0.5852861792633709,
        0.5900479963328256, 0.594846243767987, 0.5996817526191249,
        0.6045553906974674, 0.6094680649257731, 0.6144207238889136,
        0.6194143606058341, 0.6244500155470262, 0.6295287799248364,
        0.6346517992876233, 0.6398202774530563, 0.6450354808208221,
        0.6502987431108165, 0.655611470579697, 0.6609751477766629,
        0.6663913439087499, 0.6718617198970818, 0.6773880362187731,
        0.6829721616449944, 0.6886160830046714, 0.6943219161261164,
        0.7000919181365113, 0.7059285013327539, 0.7118342488782481,
        0.7178119326307216, 0.7238645334686298, 0.7299952645614758,
        0.7362075981268623, 0.7425052963401507, 0.7488924472191565,
        0.7553735065070958, 0.7619533468367949, 0.7686373157984858,
        0.7754313049811867, 0.7823418326548021, 0.7893761435660241,
        0.7965423304229586, 0.8038494831709639, 0.8113078743126559,
        0.818929191603702, 0.826726833946221, 0.8347162929868832,
        0.842915653112204, 0.8513462584586777, 0.8600336211963312,
        0.8690086880368567, 0.8783096558089171, 0.887984660755833,
        0.8980959218983431, 0.9087264400521305, 0.9199915050393467,
        0.9320600759592301, 0.9451989534422993, 0.9598790918001063,
        0.9771017012676713, 1.0,
    };
    return f;
}

SNN_HD const float *snn_zig_xf(void)
{
    static const float xf[257] = {
        3.91075802f, 3.65415287f, 3.44927835f, 3.32024479f, 3.22457504f,
        3.14788938f, 3.08352613f, 3.02783775f, 2.97860336f, 2.93436694f,
        2.89412117f, 2.85713863f, 2.82287741f, 2.79092121f, 2.76094389f,
        2.73268533f, 2.70593357f, 2.68051457f, 2.65628314f, 2.63311648f,
        2.61091042f, 2.58957601f, 2.56903553f, 2.54922152f, 2.53007531f,
        2.51154447f, 2.49358296f, 2.47615004f, 2.45920849f, 2.44272542f,
        2.42667103f, 2.41101837f, 2.39574313f, 2.3808229f, 2.36623716f,
        2.35196733f, 2.33799624f, 2.32430792f, 2.31088829f, 2.29772329f,
        2.28480077f, 2.27210903f, 2.25963712f, 2.24737501f, 2.23531342f,
        2.22344327f, 2.21175671f, 2.20024562f, 2.18890285f, 2.1777215f,
        2.16669512f, 2.15581775f, 2.14508367f, 2.13448715f, 2.1240232f,
        2.11368704f, 2.10347414f, 2.09337974f, 2.08339977f, 2.0735302f,
        2.06376743f, 2.0541079f, 2.04454803f, 2.03508425f, 2.02571392f,
        2.01643372f, 2.00724077f, 1.99813247f, 1.98910606f, 1.98015893f,
        1.97128868f, 1.96249306f, 1.95376968f, 1.94511652f, 1.93653142f,
        1.92801237f, 1.91955733f, 1.91116452f, 1.90283215f, 1.89455855f,
        1.88634181f, 1.8781805f, 1.87007296f, 1.86201763f, 1.85401309f,
        1.84605789f, 1.83815062f, 1.83028996f, 1.8224746f, 1.81470323f,
        1.80697465f, 1.79928756f, 1.791641f, 1.78403366f, 1.77646446f,
        1.76893246f, 1.76143634f, 1.75397527f, 1.7465483f, 1.73915422f,
        1.73179233f, 1.72446156f, 1.71716094f, 1.70988965f, 1.70264685f,
        1.69543171f, 1.68824315f, 1.6810807f, 1.67394328f, 1.6668303f,
        1.65974081f, 1.6526742f, 1.64562953f, 1.63860619f, 1.63160348f,
        1.62462056f, 1.61765683f, 1.61071157f, 1.6037842f, 1.59687376f,
        1.58997989f, 1.58310175f, 1.57623875f, 1.56939018f, 1.56255543f,
        1.55573404f, 1.54892504f, 1.54212821f, 1.53534257f, 1.52856767f,
        1.52180302f, 1.51504779f, 1.50830162f, 1.50156367f, 1.49483347f,
        1.48811054f, 1.48139405f, 1.47468352f, 1.46797848f, 1.4612782f,
        1.4545821f, 1.44788969f, 1.44120026f, 1.43451333f, 1.42782819f,
        1.42114437f, 1.41446126f, 1.40777826f, 1.40109479f, 1.39441013f,
        1.3877238f, 1.38103521f, 1.37434363f, 1.3676486f, 1.3609494f,
        1.35424531f, 1.34753585f, 1.34082031f, 1.3340981f, 1.32736862f,
        1.32063103f, 1.31388462f, 1.30712903f, 1.30036318f, 1.29358673f,
        1.28679872f, 1.27999842f, 1.27318525f, 1.26635826f, 1.25951684f,
        1.25266027f, 1.2457875f, 1.23889792f, 1.23199058f, 1.22506464f,
        1.21811938f, 1.21115375f, 1.20416689f, 1.19715774f, 1.19012547f,
        1.18306911f, 1.1759876f, 1.16887987f, 1.16174483f, 1.15458143f,
        1.14738846f, 1.14016485f, 1.1329093f, 1.12562048f, 1.11829722f,
        1.11093807f, 1.10354173f, 1.09610665f, 1.08863139f, 1.08111441f,
        1.07355404f, 1.06594872f, 1.05829644f, 1.05059564f, 1.0428443f,
        1.0350405f, 1.02718198f, 1.01926672f, 1.01129246f, 1.00325668f,
        0.995157003f, 0.98699075f, 0.978755176f, 0.970447302f, 0.962064147f,
        0.953602433f, 0.945058703f, 0.936429322f, 0.927710533f, 0.918898165f,
        0.909987926f, 0.900975227f, 0.891855061f, 0.882622242f, 0.873271048f,
        0.863795519f, 0.854189157f, 0.844444931f, 0.834555328f, 0.824512184f,
        0.814306676f, 0.80392909f, 0.793369055f, 0.782615006f, 0.771654427f,
        0.76047343f, 0.749056637f, 0.73738724f, 0.725446165f, 0.713212311f,
        0.700661838f, 0.687767863f, 0.67449981f, 0.66082257f, 0.646695733f,
        0.63207221f, 0.616896987f, 0.601104617f, 0.58461678f, 0.567338228f,
        0.549151719f, 0.52990973f, 0.509423316f, 0.487443954f, 0.463634342f,
        0.437518388f, 0.408389121f, 0.375121325f, 0.335737526f, 0.286174595f,
        0.215241894f, 0.0f,
    };
    return xf;
}

SNN_HD const float *snn_zig_ff(void)
{
    static const float ff[257] = {
        0.000477467751f, 0.00126028596f, 0.00260907272f, 0.00403797254f, 0.0055224034f,
        0.00705087557f, 0.00861658249f, 0.0102149714f, 0.0118427575f, 0.0134974504f,
        0.0151770879f, 0.0168800838f, 0.0186051205f, 0.020351097f, 0.0221170634f,
        0.0239022039f, 0.0257058032f, 0.0275272354f, 0.02936594f, 0.0312214177f,
        0.0330932178f, 0.0349809416f, 0.0368842147f, 0.0388027057f, 0.040736109f,
        0.0426841453f, 0.0446465537f, 0.0466230959f, 0.048613552f, 0.0506177247f,
        0.0526354201f, 0.0546664596f, 0.0567106903f, 0.058767952f, 0.060838107f,
        0.0629210249f, 0.0650165752f, 0.0671246573f, 0.0692451447f, 0.0713779479f,
        0.0735229701f, 0.0756801292f, 0.077849336f, 0.0800305158f, 0.0822235942f,
        0.0844285116f, 0.0866451934f, 0.088873595f, 0.0911136493f, 0.0933653116f,
        0.0956285372f, 0.0979032815f, 0.1001895f, 0.102487162f, 0.104796223f,
        0.107116669f, 0.109448455f, 0.111791566f, 0.114145979f, 0.116511665f,
        0.118888617f, 0.121276803f, 0.123676226f, 0.126086876f, 0.128508717f,
        0.130941778f, 0.133386031f, 0.135841474f, 0.138308123f, 0.140785947f,
        0.143274978f, 0.145775214f, 0.148286641f, 0.150809288f, 0.153343156f,
        0.155888259f, 0.158444613f, 0.161012217f, 0.163591102f, 0.166181281f,
        0.168782771f, 0.1713956f, 0.174019769f, 0.176655322f, 0.179302275f,
        0.181960657f, 0.184630498f, 0.187311813f, 0.190004647f, 0.192709044f,
        0.195425004f, 0.198152587f, 0.200891823f, 0.203642756f, 0.206405401f,
        0.209179834f, 0.211966082f, 0.214764178f, 0.217574179f, 0.220396131f,
        0.223230079f, 0.226076066f, 0.228934169f, 0.231804416f, 0.234686866f,
        0.237581581f, 0.240488604f, 0.243408009f, 0.246339858f, 0.249284208f,
        0.252241135f, 0.255210668f, 0.258192897f, 0.261187911f, 0.26419577f,
        0.267216504f, 0.270250261f, 0.273297042f, 0.276356995f, 0.279430151f,
        0.282516599f, 0.285616428f, 0.288729727f, 0.291856587f, 0.294997096f,
        0.298151314f, 0.301319391f, 0.304501384f, 0.307697415f, 0.310907573f,
        0.314131945f, 0.317370623f, 0.320623785f, 0.323891491f, 0.327173829f,
        0.330470979f, 0.333783031f, 0.337110072f, 0.340452254f, 0.343809724f,
        0.347182572f, 0.350570947f, 0.353974968f, 0.357394814f, 0.360830605f,
        0.364282459f, 0.367750555f, 0.371235043f, 0.3747361f, 0.378253818f,
        0.381788403f, 0.385340035f, 0.388908863f, 0.392495066f, 0.396098822f,
        0.399720311f, 0.403359741f, 0.407017291f, 0.410693139f, 0.414387524f,
        0.418100655f, 0.421832711f, 0.425583929f, 0.429354548f, 0.433144778f,
        0.436954856f, 0.440785021f, 0.44463557f, 0.448506713f, 0.452398717f,
        0.456311852f, 0.460246414f, 0.464202702f, 0.468180954f, 0.472181529f,
        0.476204723f, 0.480250865f, 0.484320283f, 0.488413274f, 0.492530257f,
        0.496671557f, 0.500837564f, 0.505028665f, 0.509245217f, 0.513487697f,
        0.517756522f, 0.52205205f, 0.526374876f, 0.5307253f, 0.535103917f,
        0.539511263f, 0.543947756f, 0.548413992f, 0.552910507f, 0.557437897f,
        0.561996758f, 0.566587746f, 0.571211517f, 0.575868666f, 0.580559969f,
        0.5852862f, 0.590048015f, 0.594846249f, 0.599681735f, 0.604555368f,
        0.609468043f, 0.614420712f, 0.619414389f, 0.624450028f, 0.629528761f,
        0.63465178f, 0.639820278f, 0.645035505f, 0.650298715f, 0.655611455f,
        0.660975158f, 0.666391373f, 0.671861708f, 0.677388012f, 0.682972133f,
        0.688616097f, 0.69432193f, 0.700091898f, 0.705928504f, 0.711834252f,
        0.717811942f, 0.723864555f, 0.729995251f, 0.736207604f, 0.742505312f,
        0.748892426f, 0.755373478f, 0.761953354f, 0.7686373f, 0.775431275f,
        0.782341838f, 0.78937614f, 0.796542346f, 0.803849459f, 0.811307847f,
        0.818929195f, 0.826726854f, 0.83471632f, 0.842915654f, 0.851346254f,
        0.860033631f, 0.86900866f, 0.878309667f, 0.887984633f, 0.898095906f,
        0.908726454f, 0.919991493f, 0.932060063f, 0.945198953f, 0.9598791f,
        0.977101684f, 1.0f,
    };
    return ff;
}

/* The fallback blocks of one normal (see above). */
typedef struct snn_zig_src {
    uint32_t key[2], ctr[4], tag; /* tag = 0x80000000 | j << 29 */
    uint32_t w[4];
    uint32_t f, k;                /* next block, next word of w (4: none left) */
} snn_zig_src;

SNN_HD void snn_zig_src_init(snn_zig_src *s, const uint32_t key[2], uint32_t c0, uint32_t c1,
                             uint32_t c2, uint32_t c3, uint32_t j)
{
    s->key[0] = key[0];
    s->key[1] = key[1];
    s->ctr[0] = c0;
    s->ctr[1] = c1;
    s->ctr[2] = c2;
    s->ctr[3] = c3;
    s->tag = 0x80000000u | (j << 29);
    s->f = 0;
    s->k = 4;
}

/* The next 'n' (1 or 2) words as one value, the first in the high half; 0 when the
 * SNN_ZIG_FALLBACK_BLOCKS blocks are used up.  Two-word draws take words 0-1 or 2-3 of a
 * block, never one from each of two blocks. */
SNN_HD int snn_zig_next(snn_zig_src *s, uint32_t n, uint64_t *out)
{
    if (s->k + n > 4) {
        if (s->f >= SNN_ZIG_FALLBACK_BLOCKS)
            return 0;
        uint32_t c[4] = {s->ctr[0], s->ctr[1], s->ctr[2], s->ctr[3] ^ (s->tag | (s->f << 24))};
        snn_philox4x32_10(c, s->key, s->w);
        s->f++;
        s->k = 0;
    }
    uint64_t x = s->w[s->k++];
    if (n == 2)
        x = (x << 32) | s->w[s->k++];
    *out = x;
    return 1;
}

/* 53-bit uniform in (0, 1) from a 64-bit draw (its high 53 bits; 0 gives 2^-54). */
SNN_HD double snn_zig_u53(uint64_t m)
{
    uint64_t x = m >> 11;
    return x ? (double)x * (1.0 / 9007199254740992.0) : (1.0 / 18014398509481984.0);
}

/* 24-bit uniform in (0, 1) from a word (0 gives 2^-25). */
SNN_HD float snn_zig_u24(uint32_t w)
{
    uint32_t x = w >> 8;
    return x ? (float)x * (1.0f / 16777216.0f) : (1.0f / 33554432.0f);
}

#ifdef __CUDACC__
#define SNN_HD_COLD static __host__ __device__ __noinline__
#else
#define SNN_HD_COLD __attribute__((noinline, cold, unused)) static
#endif

/* The rest of a double normal whose first attempt (layer i, candidate x >= X[i+1], sign
 * neg) missed the fast test; s holds its fallback blocks. */
SNN_HD_COLD double snn_zig_slow(uint32_t i, double x, int neg, snn_zig_src *s)
{
    const double *X = snn_zig_x(), *F = snn_zig_f();
    uint64_t a, b;
    for (;;) {
        if (i == 0) { /* the tail beyond r */
            for (;;) {
                if (!snn_zig_next(s, 2, &a) || !snn_zig_next(s, 2, &b))
                    return neg ? -x : x;
                double t = sqrt(SNN_ZIG_R2 - 2.0 * log(snn_zig_u53(a)));
                if (snn_zig_u53(b) * t < SNN_ZIG_R)
                    return neg ? -t : t;
            }
        }
        if (!snn_zig_next(s, 2, &a))
            return neg ? -x : x;
        if (F[i] + snn_zig_u53(a) * (F[i + 1] - F[i]) < exp(-0.5 * x * x))
            return neg ? -x : x;
        if (!snn_zig_next(s, 2, &a)) /* rejected: a new attempt */
            return neg ? -x : x;
        i = (uint32_t)(a >> 56);
        neg = (int)(a >> 55) & 1;
        x = (double)(int64_t)((a >> 2) & 0x1FFFFFFFFFFFFFull) * (1.0 / 9007199254740992.0) * X[i];
        if (x < X[i + 1])
            return neg ? -x : x;
    }
}

SNN_HD_COLD float snn_zig_slowf(uint32_t i, float x, int neg, snn_zig_src *s)
{
    const float *X = snn_zig_xf(), *F = snn_zig_ff();
    const float r = (float)SNN_ZIG_R, r2 = (float)SNN_ZIG_R2;
    uint64_t a, b;
    for (;;) {
        if (i == 0) {
            for (;;) {
                if (!snn_zig_next(s, 1, &a) || !snn_zig_next(s, 1, &b))
                    return neg ? -x : x;
                float t = sqrtf(r2 - 2.0f * logf(snn_zig_u24((uint32_t)a)));
                if (snn_zig_u24((uint32_t)b) * t < r)
                    return neg ? -t : t;
            }
        }
        if (!snn_zig_next(s, 1, &a))
            return neg ? -x : x;
        if (F[i] + snn_zig_u24((uint32_t)a) * (F[i + 1] - F[i]) < expf(-0.5f * x * x))
            return neg ? -x : x;
        if (!snn_zig_next(s, 1, &a))
            return neg ? -x : x;
        i = (uint32_t)(a >> 24);
        neg = (int)(a >> 23) & 1;
        x = (float)(int32_t)((uint32_t)a & 0x7FFFFFu) * (1.0f / 8388608.0f) * X[i];
        if (x < X[i + 1])
            return neg ? -x : x;
    }
}

/* Standard normal from the 64-bit draw m = (first word << 32) | second word, which ended
 * on word j of the block with counter c (key 'key'): the fast path inline, the rest in
 * snn_zig_slow. */
SNN_HD_ALWAYS double snn_normal_from64(uint64_t m, const uint32_t key[2], uint32_t c0,
                                       uint32_t c1, uint32_t c2, uint32_t c3, uint32_t j)
{
    const double *X = snn_zig_x();
    const uint32_t i = (uint32_t)(m >> 56);
    const int neg = (int)(m >> 55) & 1;
    /* (int64_t): the 53-bit integer converts in one instruction; the sign is applied by a
     * product (x (-1) = -x exactly), not by a branch that half the draws would mispredict */
    const double x =
        (double)(int64_t)((m >> 2) & 0x1FFFFFFFFFFFFFull) * (1.0 / 9007199254740992.0) * X[i];
    if (x < X[i + 1])
        return x * (double)(1 - 2 * neg);
    snn_zig_src s;
    snn_zig_src_init(&s, key, c0, c1, c2, c3, j);
    return snn_zig_slow(i, x, neg, &s);
}

SNN_HD_ALWAYS float snn_normalf_from32(uint32_t w, const uint32_t key[2], uint32_t c0,
                                       uint32_t c1, uint32_t c2, uint32_t c3, uint32_t j)
{
    const float *X = snn_zig_xf();
    const uint32_t i = w >> 24;
    const int neg = (int)(w >> 23) & 1;
    const float x = (float)(int32_t)(w & 0x7FFFFFu) * (1.0f / 8388608.0f) * X[i];
    if (x < X[i + 1])
        return x * (float)(1 - 2 * neg);
    snn_zig_src s;
    snn_zig_src_init(&s, key, c0, c1, c2, c3, j);
    return snn_zig_slowf(i, x, neg, &s);
}

/* Standard normal: 2 words of the stream (fallback draws, rarely, off the stream). */
SNN_HD_ALWAYS double snn_rng_normal(snn_rng *g)
{
    uint32_t a = snn_rng_u32(g);
    uint32_t b = snn_rng_u32(g);
    /* b was word 3 - left of block ctr[0] - 1 */
    return snn_normal_from64(((uint64_t)a << 32) | b, g->key, g->ctr[0] - 1u, g->ctr[1],
                             g->ctr[2], g->ctr[3], 3u - g->left);
}

/* Standard normal in float: 1 word of the stream. */
SNN_HD_ALWAYS float snn_rng_normalf(snn_rng *g)
{
    uint32_t w = snn_rng_u32(g);
    return snn_normalf_from32(w, g->key, g->ctr[0] - 1u, g->ctr[1], g->ctr[2], g->ctr[3],
                              3u - g->left);
}

/* Exponential with mean 1. */
SNN_HD double snn_rng_exponential(snn_rng *g)
{
    return -log(snn_rng_uniform(g));
}

/* snn_rng_poisson's count below lambda 10 (0 < lambda < 10) from its one 32-bit word w:
 * u = (w + 0.5) 2^-32, k = #{ j : u > cdf_(j-1) }.  The walk covers every count whose upper
 * tail is above the uniform's resolution (2^-33), so it needs no data-dependent exit. */
SNN_HD_ALWAYS uint32_t snn_poisson_word(uint32_t w, double lambda)
{
    const double u = ((double)w + 0.5) * 2.3283064365386963e-10;
    double p = exp(-lambda), cdf = p;
    uint32_t k = 0;
    const uint32_t kmax = (uint32_t)(lambda + 10.0 * sqrt(lambda) + 10.0);
    /* with lambda known at compile time the loop unrolls completely, and the neuron loop
     * around it vectorises (one draw per lane) */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC unroll 64
#endif
    for (uint32_t j = 1; j <= kmax; j++) {
        k += u > cdf;                       /* k = #{ j : u > cdf_j } */
        p *= lambda / (double)j;
        cdf += p;
    }
    return k;
}

/* Poisson(lambda).  lambda < 30: inversion of the CDF from one uniform: one word (32
 * bits) below lambda 10, where every outcome that matters has a probability far above
 * 2^-32, and one 53-bit uniform (2 words) from 10 to 30; 4 to 8 times fewer words than
 * the multiplication method.  The search is branch free over a fixed number of terms
 * (the exit of a data-dependent loop is mispredicted about once per draw, which costs
 * more than the extra terms; when lambda is a compile-time constant the terms fold):
 * below 10 over lambda + 10 sqrt(lambda) + 10 terms, which reach every count the 32-bit
 * uniform can select; from 10 to 30 over lambda + 6 sqrt(lambda) + 6, then one term at a
 * time in the rare tail.  lambda >= 30: PTRS, the transformed rejection method with squeeze of
 * W. Hoermann, "The transformed rejection method for generating Poisson random
 * variables" (1993). */
SNN_HD_ALWAYS uint32_t snn_rng_poisson(snn_rng *g, double lambda)
{
    if (!(lambda > 0.0))
        return 0;
    if (lambda < 10.0)
        return snn_poisson_word(snn_rng_u32(g), lambda);
    if (lambda < 30.0) {
        const double u = snn_rng_uniform(g);
        double p = exp(-lambda), cdf = p;
        uint32_t k = 0;
        const uint32_t kmax = (uint32_t)(lambda + 6.0 * sqrt(lambda) + 6.0);
        for (uint32_t j = 1; j <= kmax; j++) {
            k += u > cdf;
            p *= lambda / (double)j;
            cdf += p;
        }
        if (u > cdf) {                          /* tail: beyond kmax */
            k = kmax + 1;
            for (;;) {
                p *= lambda / (double)k;
                cdf += p;
                if (!(u > cdf) || k >= 1000u)
                    break;
                k++;
            }
        }
        return k;
    }
    double slam = sqrt(lambda), loglam = log(lambda);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = snn_rng_uniform(g) - 0.5;
        double v = snn_rng_uniform(g);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr)
            return (uint32_t)k;
        if (k < 0.0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
            -lambda + k * loglam - lgamma(k + 1.0))
            return (uint32_t)k;
    }
}

/* snn_poisson_word (snn_rng_poisson below lambda 10 from its one 32-bit word w) with
 * integer thresholds (the C back end's neuron loops take w from a batch of words,
 * snn_rng_quad_words):
 * that count is #{ j : u > cdf_(j-1) }, j = 1 .. kmax, with u = (w + 0.5) 2^-32, and
 * u > cdf_(j-1) holds exactly when w > T_j, T_j the largest word with !(u > cdf_(j-1)).
 * snn_poisson_thresholds finds each T_j with the same double comparison on the same cdf
 * values (the same loop), so snn_poisson_count is the same function of w as
 * snn_poisson_word, bit for bit, with integer compares (8 or 16 SIMD lanes) instead of a
 * conversion and double compares (4 or 8).  The thresholds are stored biased (T_j ^ 2^31,
 * as int32_t) so that one signed compare does the unsigned one.  Terms whose T_j is the
 * largest word count nothing: snn_poisson_thresholds returns how many terms come before
 * the first of them, and the count may stop there.  0 < lambda < 10 only: there every cdf
 * is at least exp(-10), far above u's smallest value 2^-33. */
#define SNN_POISSON_TMAX 64 /* kmax below lambda 10: at most 51 */

SNN_HD_ALWAYS uint32_t snn_poisson_kmax(double lambda)
{
    return (uint32_t)(lambda + 10.0 * sqrt(lambda) + 10.0);
}

/* thr[j - 1] = T_j ^ 2^31, j = 1 .. snn_poisson_kmax(lambda), and the largest word after
 * that up to SNN_POISSON_TMAX (so a count over more terms than kmax is the same); returns
 * the number of leading terms below the largest word (the rest are all at it) */
SNN_HD_ALWAYS uint32_t snn_poisson_thresholds(double lambda, int32_t *thr)
{
    const uint32_t kmax = snn_poisson_kmax(lambda);
    double p = exp(-lambda), cdf = p;
    uint32_t live = 0;
    for (uint32_t j = 1; j <= kmax; j++) {
        const double x = cdf * 4294967296.0 - 0.5;
        uint32_t t = x >= 4294967295.0 ? 0xFFFFFFFFu : x > 0.0 ? (uint32_t)x : 0u;
        while (t > 0u && ((double)t + 0.5) * 2.3283064365386963e-10 > cdf)
            t--;
        while (t < 0xFFFFFFFFu && !(((double)t + 1.5) * 2.3283064365386963e-10 > cdf))
            t++;
        thr[j - 1] = (int32_t)(t ^ 0x80000000u);
        if (t != 0xFFFFFFFFu)
            live = j;
        p *= lambda / (double)j;
        cdf += p;
    }
    for (uint32_t j = kmax; j < SNN_POISSON_TMAX; j++) /* beyond kmax: count nothing */
        thr[j] = 0x7FFFFFFF;
    return live;
}

/* The count for word w: #{ j < terms : w > T_(j+1) }, terms at least the thresholds' live
 * count and at most kmax (a compile-time constant unrolls the loop, and the neuron loop
 * around it vectorises) */
SNN_HD_ALWAYS uint32_t snn_poisson_count(uint32_t w, const int32_t *thr, uint32_t terms)
{
    const int32_t ws = (int32_t)(w ^ 0x80000000u);
    uint32_t k = 0;
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC unroll 64
#endif
    for (uint32_t j = 0; j < terms; j++)
        k += ws > thr[j];
    return k;
}

/* snn_rng_poisson for a lambda the generated code knows as a constant (poisson() of a
 * number in a code string, C back end): thr is filled once by snn_poisson_table(lambda),
 * and below 10 the count is snn_poisson_count on the stream's word, over kmax terms (a
 * constant where lambda is one: the compares unroll and vectorise over neurons): the same
 * count as snn_poisson_word, bit for bit; elsewhere snn_rng_poisson itself. */
SNN_HD void snn_poisson_table(double lambda, int32_t *thr)
{
    if (lambda > 0.0 && lambda < 10.0)
        (void)snn_poisson_thresholds(lambda, thr);
}

SNN_HD_ALWAYS uint32_t snn_rng_poisson_table(snn_rng *g, double lambda, const int32_t *thr)
{
    if (lambda > 0.0 && lambda < 10.0)
        return snn_poisson_count(snn_rng_u32(g), thr, snn_poisson_kmax(lambda));
    return snn_rng_poisson(g, lambda);
}

/* Unbiased integer in [0, n) (Lemire's multiply-shift with rejection); 0 when n == 0. */
SNN_HD uint32_t snn_rng_below(snn_rng *g, uint32_t n)
{
    if (n == 0)
        return 0;
    uint64_t m = (uint64_t)snn_rng_u32(g) * n;
    uint32_t lo = (uint32_t)m;
    if (lo < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while (lo < t) {
            m = (uint64_t)snn_rng_u32(g) * n;
            lo = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* ln(x!) - ((x + 1/2) ln(x + 1) - (x + 1) + ln(2 pi) / 2) for integer x >= 0: the error of
 * Stirling's formula for ln Gamma(x + 1).  A table below 16 (computed to 50 digits), the
 * series 1/(12z) - 1/(360z^3) + 1/(1260z^5) - 1/(1680z^7) + 1/(1188z^9), z = x + 1, above
 * (truncation error below 1e-16). */
SNN_HD double snn_lnfact_tail(double x)
{
    const double t[16] = {
        0.081061466795327261,  0.041340695955409297,  0.027677925684998338,
        0.020790672103765093,  0.016644691189821193,  0.013876128823070748,
        0.01189670994589177,   0.010411265261972096,  0.0092554621827127329,
        0.0083305634333628708, 0.0075736754879518406, 0.0069428401072095299,
        0.0064089941880042071, 0.0059513701127588475, 0.0055547335519628011,
        0.0052076559196096404};
    if (x < 16.0)
        return t[(int)x];
    double z = x + 1.0, iz2 = 1.0 / (z * z);
    return (1.0 / 12 -
            iz2 * (1.0 / 360 - iz2 * (1.0 / 1260 - iz2 * (1.0 / 1680 - iz2 / 1188)))) /
           z;
}

/* ln(x!) - ln(y!) for integers x, y >= 0 (given as doubles), accurate to a few ulp of the
 * result even when x and y are large and close (where lgamma(x + 1) - lgamma(y + 1) loses
 * all digits): Stirling's formula with the difference of the logarithms taken by log1p,
 * plus the tails. */
SNN_HD double snn_lnfact_diff(double x, double y)
{
    double d = x - y;
    return (x + 0.5) * log1p(d / (y + 1.0)) + d * (log(y + 1.0) - 1.0) + snn_lnfact_tail(x) -
           snn_lnfact_tail(y);
}

/* Binomial(n, p) for n up to 2^53.  Exact up to the rounding of doubles: p > 1/2 is drawn
 * as n - Binomial(n, 1 - p); n p < 10 by inversion of the CDF (sequential search from 0 with
 * one uniform); n p >= 10 by BTRS, the transformed rejection with squeeze of W. Hoermann,
 * "The generation of binomial random variates" (J. Stat. Comput. Simul. 46, 1993), where the
 * acceptance test compares with the exact ratio f(k) / f(mode) (snn_lnfact_diff).  p <= 0
 * (or NaN) gives 0, p >= 1 gives n. */
SNN_HD uint64_t snn_rng_binomial64(snn_rng *g, uint64_t n, double p)
{
    if (n == 0 || !(p > 0.0))
        return 0;
    if (p >= 1.0)
        return n;
    const int flip = p > 0.5;
    const double pp = flip ? 1.0 - p : p; /* exact for p in [1/2, 1] */
    const double q = 1.0 - pp, dn = (double)n, np = dn * pp;
    uint64_t k;
    if (np < 10.0) {
        const double r = pp / q;
        const double f0 = exp(dn * log1p(-pp)); /* q^n >= e^-14 here */
        const double bound = fmin(dn, np + 10.0 * sqrt(np * q + 1.0) + 10.0);
        for (;;) {
            double u = snn_rng_uniform(g), f = f0, x = 0.0;
            while (u > f && x <= bound) {
                u -= f;
                x += 1.0;
                f *= r * (dn - x + 1.0) / x;
            }
            if (x <= bound) {
                k = (uint64_t)x;
                break;
            }
        }
    } else {
        const double spq = sqrt(np * q);
        const double b = 1.15 + 2.53 * spq;
        const double a = -0.0873 + 0.0248 * b + 0.01 * pp;
        const double c = np + 0.5;
        const double vr = 0.92 - 4.2 / b;
        const double alpha = (2.83 + 5.1 / b) * spq;
        const double lpq = log(pp / q);
        const double m = floor((dn + 1.0) * pp);
        for (;;) {
            double u = snn_rng_uniform(g) - 0.5;
            double v = snn_rng_uniform(g);
            double us = 0.5 - fabs(u);
            double x = floor((2.0 * a / us + b) * u + c);
            if (x < 0.0 || x > dn)
                continue;
            if (us >= 0.07 && v <= vr) {
                k = (uint64_t)x;
                break;
            }
            /* log f(x) - log f(m) = ln m! - ln x! + ln (n-m)! - ln (n-x)! + (x - m) ln(p/q) */
            double lhs = log(v * alpha / (a / (us * us) + b));
            double rhs = snn_lnfact_diff(m, x) + snn_lnfact_diff(dn - m, dn - x) + (x - m) * lpq;
            if (lhs <= rhs) {
                k = (uint64_t)x;
                break;
            }
        }
    }
    return flip ? n - k : k;
}

/* Binomial(n, p) for 32-bit n; see snn_rng_binomial64. */
SNN_HD uint32_t snn_rng_binomial(snn_rng *g, uint32_t n, double p)
{
    return (uint32_t)snn_rng_binomial64(g, n, p);
}

/* ---- Helpers of the code-string language, for C and CUDA ----------------------------
 *
 * div(a, b) and mod(a, b) in code strings: floored division floor(a / b) and the floored
 * modulo a - b floor(a / b), which has the sign of b (so mod(-1, n) = n - 1, the periodic
 * wrap that C's fmod, with the sign of a, does not give). */
/* exp(x) as libm's exp gives it, without its slow underflow path: below -746 exp(x) is
 * under 2^-1076, a quarter of the smallest subnormal, which rounds to +0 (libm returns +0
 * there too, after a call chain that raises the underflow flag).  The C back end's
 * connectivity updates print exp as this (compiler/rewire.c): a Gaussian of the distance
 * underflows for most candidates (docs/performance.md "Topographic map"). */
SNN_HD double snn_exp_uf(double x)
{
    return x < -746.0 ? 0.0 : exp(x);
}

/* fmin and fmax as code strings print them (compiler/expr.c): inline, so that the loops
 * around them vectorise instead of calling libm for every element (the e-prop models' psi,
 * docs/performance.md "Epoch time on Zen 4").  The same value as glibc's x86-64 fmin/fmax
 * (minsd/maxsd: x < y ? x : y, x > y ? x : y, so of two zeros y; one NaN argument gives
 * the other, two NaNs x; only a signalling NaN is not quietened); the device's own.  Written
 * as the compare-select (one minsd/maxsd) and a select on y's NaN: gcc makes both
 * branch-free (vminsd + cmov scalar, blends in vector loops); `x < y || y != y ? x : y`
 * compiled to a branch on the data, which the connectivity updates' distance terms
 * (fmin(dx, L - dx)) mispredicted. */
#ifdef __CUDA_ARCH__
#define SNN_MINMAX_FN(name, T, op, dev)                                                      \
    SNN_HD T name(T x, T y) { return dev(x, y); }
#else
#define SNN_MINMAX_FN(name, T, op, dev)                                                      \
    SNN_HD T name(T x, T y)                                                                  \
    {                                                                                        \
        const T m = x op y ? x : y; /* one minsd/maxsd (minss/maxss) */                      \
        return y != y ? x : m;                                                               \
    }
#endif
SNN_MINMAX_FN(snn_fmax, double, >, fmax)
SNN_MINMAX_FN(snn_fmin, double, <, fmin)
SNN_MINMAX_FN(snn_fmaxf, float, >, fmaxf)
SNN_MINMAX_FN(snn_fminf, float, <, fminf)
#undef SNN_MINMAX_FN

#ifndef __CUDACC__
/* snn_exp_uf(x) remembered per thread: a 4-way set-associative table of 1024 sets (each one
 * cache line: four arguments' bits, xor SNN_EXP_MEMO_KEY so that an entry still zero stands
 * for -1000, never looked up, then their values; 64 KB), filled first in first out.  The C
 * back end's connectivity updates print exp as this: a candidate's formation probability is
 * often a function of an integer distance (a Gaussian profile), a few hundred or thousand
 * distinct arguments for hundreds of candidates per update; a hit returns what libm's exp
 * returned for the same bits.  (The direct-mapped table of 2048 before missed 29 % of the
 * topographic map's feed-forward look-ups at s = 7, this 0.4 %: docs/performance.md.) */
#define SNN_EXP_MEMO_BITS 10 /* sets */
#define SNN_EXP_MEMO_KEY 0xC08F400000000000ull /* the bits of -1000.0 */
typedef struct {
    uint64_t key[4];
    double val[4];
} __attribute__((aligned(64))) snn_exp_memo_set;
extern __thread snn_exp_memo_set snn_exp_memo_tab[1u << SNN_EXP_MEMO_BITS];
static inline double snn_exp_memo(double x)
{
    if (x < -746.0)
        return 0.0;
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    const uint64_t k = b ^ SNN_EXP_MEMO_KEY;
    snn_exp_memo_set *e =
        &snn_exp_memo_tab[(b * 0x9E3779B97F4A7C15ull) >> (64 - SNN_EXP_MEMO_BITS)];
    /* the ways compared without branches; a key is in a set at most once */
    const unsigned m = (unsigned)(e->key[0] == k) | (unsigned)(e->key[1] == k) << 1 |
                       (unsigned)(e->key[2] == k) << 2 | (unsigned)(e->key[3] == k) << 3;
    if (__builtin_expect(m != 0, 1)) /* the hit laid out first: -3 k cycles per 490 */
        return e->val[__builtin_ctz(m)];
    const double v = exp(x);
    for (int w = 3; w > 0; w--) { /* the oldest goes */
        e->key[w] = e->key[w - 1];
        e->val[w] = e->val[w - 1];
    }
    e->key[0] = k;
    e->val[0] = v;
    return v;
}
#endif

SNN_HD double snn_div(double a, double b)
{
    return floor(a / b);
}

SNN_HD double snn_mod(double a, double b)
{
    return a - b * floor(a / b);
}

SNN_HD float snn_divf(float a, float b)
{
    return floorf(a / b);
}

SNN_HD float snn_modf(float a, float b)
{
    return a - b * floorf(a / b);
}

#endif /* SNN_PHILOX_H */
