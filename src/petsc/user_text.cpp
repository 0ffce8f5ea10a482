#include "hyperpetsc/petsc/user_text.hpp"

#include <cstdio>

namespace hp {

std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  unsigned min = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    len = 2;
    min = 0x80;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3;
    min = 0x800;
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  unsigned cp = b & (0xFF >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  // C1 controls (U+0080..U+009F) can act as terminal escapes too.
  if (cp >= 0x80 && cp <= 0x9F) return 0;
  return len;
}

std::string quote_user_text(std::string_view text, std::size_t max_chars) {
  std::string out = "'";
  std::size_t i = 0;
  while (i < text.size() && i < max_chars) {
    const auto b = static_cast<unsigned char>(text[i]);
    char buf[8];
    if (b == '\n') {
      out += "\\n";
    } else if (b == '\t') {
      out += "\\t";
    } else if (b == '\r') {
      out += "\\r";
    } else if (b == '\\' || b == '\'') {
      out += '\\';
      out += static_cast<char>(b);
    } else if (b < 0x20 || b == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      out += buf;
    } else if (b < 0x80) {
      out += static_cast<char>(b);
    } else if (const std::size_t len = utf8_length(text, i); len > 0) {
      if (i + len > max_chars) break;  // never cut a character in two at the limit
      out.append(text.substr(i, len));
      i += len;
      continue;
    } else {
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      out += buf;
    }
    ++i;
  }
  out += "'";
  if (i < text.size()) out += "…(" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string quote_user_path(std::string_view path) {
  constexpr std::size_t kPathMax = 4096;  // Linux PATH_MAX
  return quote_user_text(path, kPathMax);
}

}  // namespace hp
