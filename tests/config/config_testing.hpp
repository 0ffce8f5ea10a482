// Shared by the config tests: the smallest valid configuration, which cases extend.
#pragma once

namespace hp::test {

inline const char* const kMinimalConfig =
    "problem:\n"
    "  type: ridge_l2\n"
    "  train: {format: synthetic}\n"
    "  val: {format: synthetic}\n";

}  // namespace hp::test
