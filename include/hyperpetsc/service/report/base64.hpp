// Base64 (RFC 4648, with padding): how report.html embeds its PNGs as data: URIs.
#pragma once
#include <string>
#include <string_view>

namespace hp {

std::string base64_encode(std::string_view bytes);

}  // namespace hp
