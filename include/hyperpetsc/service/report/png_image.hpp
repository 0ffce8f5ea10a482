// The little the report needs to know of a PNG file: that it is one, and its size.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace hp {

struct PngSize {
  std::uint32_t width = 0, height = 0;
};

// The width and height from the IHDR chunk if `bytes` start with the PNG signature
// followed by a well-formed IHDR chunk (length 13, non-zero sizes); nothing otherwise.
std::optional<PngSize> png_size(std::string_view bytes);

}  // namespace hp
