"""DafL.Native's random streams in numpy, so that the PyTorch reference can start from the same weights and see the
same latent noise as `dafl distill` with the same seed (`dafl_pytorch.py distill --rng dafl`).

With both the initial weights and every z identical, the two implementations differ only in float rounding; a gap
that remains between them over many seeds is then not a matter of random streams. Mirrors, line for line:
  src/DafL/Random/Philox.cs          Philox4x32-10, ToUniform (top 24 bits), ToNormal (Box-Muller in double)
  src/DafL.Training/SeedStreams.cs   one stream per purpose: FNV-1a of the purpose mixed with the seed
  src/DafL/NN/Init.cs                U(-b, b) = U[0, 1) * 2b - b in float32, b = 1/sqrt(fan_in), weight then bias
"""

import math

import numpy as np
import torch
import torch.nn as nn

MASK32 = np.uint64(0xFFFFFFFF)
M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)


def philox_words(seed, first_counter, count):
    """The first `count` 32-bit words of the blocks at counters first_counter, first_counter + 1, ... under `seed`."""
    blocks = (count + 3) // 4
    ctr = np.arange(first_counter, first_counter + blocks, dtype=np.uint64)
    x0, x1 = ctr & MASK32, ctr >> np.uint64(32)
    x2, x3 = np.zeros_like(ctr), np.zeros_like(ctr)
    k0, k1 = np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)
    for _ in range(10):
        p0, p1 = M0 * x0, M1 * x2  # 32 x 32 -> 64 bits: never overflows uint64
        x0, x1, x2, x3 = (p1 >> np.uint64(32)) ^ x1 ^ k0, p1 & MASK32, (p0 >> np.uint64(32)) ^ x3 ^ k1, p0 & MASK32
        k0, k1 = (k0 + W0) & MASK32, (k1 + W1) & MASK32
    return np.stack([x0, x1, x2, x3], axis=1).reshape(-1)[:count]


class PhiloxStream:
    """Philox.cs: a seed and the next unused counter; every draw starts on a fresh block."""

    def __init__(self, seed, offset=0):
        self.seed, self.offset = seed, offset

    def _advance(self, count):
        start = self.offset
        self.offset += (count + 3) // 4
        return start

    def uniform(self, shape):
        """Tensor.Rand: U[0, 1) from the top 24 bits of each word, float32."""
        count = int(np.prod(shape))
        words = philox_words(self.seed, self._advance(count), count)
        return ((words >> np.uint64(8)).astype(np.float32) * np.float32(1.0 / 16777216.0)).reshape(shape)

    def normal(self, shape):
        """Tensor.Randn: Box-Muller over word pairs (0, 1) and (2, 3) of each block, in double, rounded once."""
        count = int(np.prod(shape))
        words = philox_words(self.seed, self._advance(count), count + (count & 1)).astype(np.float64)
        u1 = (words[0::2] + 0.5) * (1.0 / 4294967296.0)
        theta = 2.0 * math.pi * (words[1::2] * (1.0 / 4294967296.0))
        r = np.sqrt(-2.0 * np.log(u1))
        pairs = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1).reshape(-1)[:count]
        return pairs.astype(np.float32).reshape(shape)


def stream_for(seed, purpose):
    """SeedStreams.For: FNV-1a over the purpose's characters, xor the seed times the golden ratio."""
    h = 14695981039346656037
    for c in purpose:
        h = ((h ^ ord(c)) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return PhiloxStream(((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF) ^ h)


def init_like_dafl_native(module, stream):
    """Init.cs over every Linear and Conv2d in registration order (weight, then bias); BatchNorm keeps 1 and 0."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                fan_in = m.weight[0].numel()
                bound = np.float32(1.0) / np.sqrt(np.float32(fan_in))
                for p in (m.weight, m.bias):
                    if p is not None:
                        u = stream.uniform(tuple(p.shape))
                        p.copy_(torch.from_numpy(u * (np.float32(2) * bound) + (-bound)))


def test_known_answers():
    """Random123's kat_vectors for philox4x32_10 (the same vectors as tests/DafL.Tests/PhiloxTests.cs)."""
    assert [hex(w) for w in philox_words(0, 0, 4)] == ["0x6627e8d5", "0xe169c58d", "0xbc57ac4c", "0x9b00dbd8"]


if __name__ == "__main__":
    test_known_answers()
    print("philox_streams: Random123 known answer OK")
