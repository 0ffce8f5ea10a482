#include "hyperpetsc/service/report/png_image.hpp"

namespace hp {

namespace {

std::uint32_t big_endian32(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

}  // namespace

std::optional<PngSize> png_size(std::string_view bytes) {
  static constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  // signature (8), IHDR length (4) and type (4), width (4), height (4), 5 more fields, CRC (4)
  if (bytes.size() < 33 || bytes.substr(0, 8) != kSignature) return std::nullopt;
  if (big_endian32(bytes, 8) != 13 || bytes.substr(12, 4) != "IHDR") return std::nullopt;
  PngSize size{big_endian32(bytes, 16), big_endian32(bytes, 20)};
  // The PNG specification caps both sizes at 2^31 - 1.
  if (size.width == 0 || size.height == 0 || size.width > 0x7fffffffu || size.height > 0x7fffffffu) return std::nullopt;
  return size;
}

}  // namespace hp
