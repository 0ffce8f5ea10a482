// Private to src/data: strict number parsing for text data files.
#pragma once
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace hp::data_detail {

// std::from_chars rejects a leading '+', which svmlight labels ("+1") use.
inline std::string_view drop_plus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '+' && s[1] != '-') s.remove_prefix(1);
  return s;
}

// The whole of `s` as a finite double; false for anything else (including "nan", "inf").
inline bool parse_double(std::string_view s, double& out) {
  s = drop_plus(s);
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out);
}

// The whole of `s` as a 64-bit integer; false if not an integer or out of range.
inline bool parse_int64(std::string_view s, std::int64_t& out) {
  s = drop_plus(s);
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end;
}

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The next whitespace-separated token of `rest` (empty at the end); advances `rest`.
inline std::string_view next_token(std::string_view& rest) {
  std::size_t b = 0;
  while (b < rest.size() && is_space(rest[b])) ++b;
  std::size_t e = b;
  while (e < rest.size() && !is_space(rest[e])) ++e;
  std::string_view tok = rest.substr(b, e - b);
  rest.remove_prefix(e);
  return tok;
}

}  // namespace hp::data_detail
