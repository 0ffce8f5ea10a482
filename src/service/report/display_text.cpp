#include "hyperpetsc/service/report/display_text.hpp"

#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

std::string display_text(std::string_view text, std::size_t max_bytes) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    const std::size_t len = b < 0x80 ? 1 : utf8_length(text, i);
    if (i + (len ? len : 1) > max_bytes) break;
    if (b == '\n' || b == '\t' || b == '\r') {
      out += ' ';  // a multi-line message on one line
      ++i;
    } else if (b < 0x20 || b == 0x7F || len == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  if (i < text.size()) out += "…";
  return out;
}

}  // namespace hp
