// Test helper: the RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what gnuplot's
// png terminals write), decoded with zlib, to check what a plot shows.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hp::test {

struct PngPixels {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // row-major, 3 bytes a pixel, top row first
  const std::uint8_t* at(int x, int y) const { return &rgb[3 * (static_cast<std::size_t>(y) * width + x)]; }
};

// Throws std::runtime_error for anything else.
PngPixels decode_png(const std::string& bytes);

}  // namespace hp::test
