// Private to src/data: a counter-based random number generator.
//
// Every draw is a pure function of (key, counter), so a value can be recomputed anywhere
// (any rank, any order) and synthetic data do not depend on how rows are distributed.
#pragma once
#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace hp::data_detail {

// splitmix64's finaliser: a bijective 64-bit mix with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class CounterRng {
 public:
  // The key is a hash of the words (e.g. seed, stream, row, purpose tag), in order.
  CounterRng(std::initializer_list<std::uint64_t> words) {
    for (std::uint64_t w : words) key_ = mix64(key_ ^ w);
  }

  std::uint64_t bits(std::uint64_t counter) const { return mix64(key_ ^ mix64(counter)); }

  // Uniform on the open interval (0, 1): never 0, so logarithms stay finite.
  double uniform(std::uint64_t counter) const {
    return (static_cast<double>(bits(counter) >> 11) + 0.5) * 0x1.0p-53;
  }

  // Standard normal by Box-Muller from the counters 2c and 2c+1 (cosine branch only).
  double normal(std::uint64_t counter) const {
    const double u1 = uniform(2 * counter), u2 = uniform(2 * counter + 1);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  // Standard Gumbel: argmax(score + Gumbel) samples softmax(score).
  double gumbel(std::uint64_t counter) const { return -std::log(-std::log(uniform(counter))); }

 private:
  std::uint64_t key_ = 0x6a09e667f3bcc908ULL;
};

}  // namespace hp::data_detail
