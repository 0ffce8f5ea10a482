// Private to src/data: a seeded pseudo-random permutation of 0..count-1 computed one index
// at a time, in O(1) memory, in either direction.
//
// A balanced Feistel network over the smallest 2h-bit domain >= count, with cycle walking
// (apply again while the result is >= count) to stay inside 0..count-1. Every value is a
// pure function of (count, seed, index), so every rank, for any number of ranks, sees the
// same shuffled order without anyone materialising it.
#pragma once
#include <cstdint>

#include "counter_rng.hpp"

namespace hp::data_detail {

class IndexShuffle {
 public:
  IndexShuffle(std::uint64_t count, std::uint64_t seed) : count_(count) {
    while ((std::uint64_t{1} << (2 * half_bits_)) < count_) ++half_bits_;
    mask_ = (std::uint64_t{1} << half_bits_) - 1;
    for (int r = 0; r < kRounds; ++r) keys_[r] = CounterRng{seed, kShuffleTag}.bits(static_cast<std::uint64_t>(r));
  }

  // The file index at position k of the shuffled order (k < count).
  std::uint64_t forward(std::uint64_t k) const {
    do k = encrypt(k);
    while (k >= count_);
    return k;
  }

  // The position of file index i in the shuffled order (i < count): forward's inverse.
  std::uint64_t inverse(std::uint64_t i) const {
    do i = decrypt(i);
    while (i >= count_);
    return i;
  }

 private:
  static constexpr int kRounds = 8;
  static constexpr std::uint64_t kShuffleTag = 0x53485546ULL;

  std::uint64_t round(int r, std::uint64_t half) const { return mix64(keys_[r] ^ half) & mask_; }

  std::uint64_t encrypt(std::uint64_t x) const {
    std::uint64_t left = x >> half_bits_, right = x & mask_;
    for (int r = 0; r < kRounds; ++r) {
      const std::uint64_t next = left ^ round(r, right);
      left = right;
      right = next;
    }
    return (left << half_bits_) | right;
  }

  std::uint64_t decrypt(std::uint64_t x) const {
    std::uint64_t left = x >> half_bits_, right = x & mask_;
    for (int r = kRounds - 1; r >= 0; --r) {
      const std::uint64_t prev = right ^ round(r, left);
      right = left;
      left = prev;
    }
    return (left << half_bits_) | right;
  }

  std::uint64_t count_;
  int half_bits_ = 1;  // at least a 4-element domain, so the halves are never empty
  std::uint64_t mask_ = 1;
  std::uint64_t keys_[kRounds] = {};
};

}  // namespace hp::data_detail
