#include "hyperpetsc/config/key_table.hpp"

#include <cctype>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

bool NumberRange::contains(double v) const {
  if (lo_open ? !(v > lo) : !(v >= lo)) return false;
  if (hi_open ? !(v < hi) : !(v <= hi)) return false;
  return true;
}

std::string NumberRange::describe() const {
  const bool has_lo = lo > -1e308, has_hi = hi < 1e308;
  if (has_lo && has_hi)
    return std::string("in ") + (lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) + (hi_open ? ")" : "]");
  if (has_lo) return (lo_open ? "> " : ">= ") + format_number(lo);
  if (has_hi) return (hi_open ? "< " : "<= ") + format_number(hi);
  return "";
}

std::string format_number(double v) {
  // The shortest text that reads back to the same double (C++17 to_chars).
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string choice_names(const std::vector<NamedChoice>& choices, const char* separator) {
  std::string s;
  for (const auto& c : choices) s += (s.empty() ? "" : separator) + c.name;
  return s;
}

namespace {

const std::string& scalar_of(const ConfigNode& at, const std::string& key, const char* expected) {
  if (!at.is_scalar()) {
    const char* got = at.is_map() ? "a mapping" : at.kind == ConfigNode::Kind::list ? "a list" : "nothing";
    config_fail(at.origin, key, std::string("expected ") + expected + ", got " + got);
  }
  return at.scalar;
}

bool plain_integer_text(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

}  // namespace

long long parse_integer(const ConfigNode& at, const std::string& key, long long lo, long long hi) {
  const std::string& s = scalar_of(at, key, "an integer");
  const std::string range = hi >= 2147483647LL ? ">= " + std::to_string(lo)
                                               : "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!plain_integer_text(s)) {
    // 1e3 or 100.0 are integers written as numbers: accept them exactly, refuse fractions.
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v) || v != std::floor(v) ||
        std::fabs(v) > 9.0e15)
      config_fail(at.origin, key, "expected an integer " + range + ", got " + quote_user_text(s));
    if (v < static_cast<double>(lo) || v > static_cast<double>(hi))
      config_fail(at.origin, key, "must be " + range + ", got " + quote_user_text(s));
    return static_cast<long long>(v);
  }
  errno = 0;
  const long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE || v < lo || v > hi) {
    std::string what = "must be " + range + ", got " + quote_user_text(s);
    if (hi == 2147483647LL && (errno == ERANGE || v > hi)) what += " (too large for this PETSc build's 32-bit indices)";
    config_fail(at.origin, key, what);
  }
  return v;
}

double parse_number(const ConfigNode& at, const std::string& key, const NumberRange& range) {
  const std::string& s = scalar_of(at, key, "a number");
  const std::string shown = quote_user_text(s);
  if (s == ".nan" || s == ".NaN" || s == ".NAN" || s.find(".inf") != std::string::npos ||
      s.find(".Inf") != std::string::npos || s.find(".INF") != std::string::npos)
    config_fail(at.origin, key, "must be a finite number, got " + shown);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || s.find_first_of("xXpP") != std::string::npos ||
      s.find("nan") != std::string::npos || s.find("inf") != std::string::npos ||
      s.find("NAN") != std::string::npos || s.find("INF") != std::string::npos)
    config_fail(at.origin, key, "expected a number, got " + shown);
  if (errno == ERANGE) {
    if (std::isinf(v)) config_fail(at.origin, key, shown + " overflows a double; give a finite number");
    // Subnormal or zero from a nonzero literal: the value is lost, do not guess.
    if (std::fabs(v) < 2.2250738585072014e-308)
      config_fail(at.origin, key, shown + " underflows to zero in double precision; write 0 or a value above 1e-307");
  }
  if (!range.contains(v)) config_fail(at.origin, key, "must be " + range.describe() + ", got " + shown);
  return v;
}

bool parse_boolean(const ConfigNode& at, const std::string& key) {
  const std::string& s = scalar_of(at, key, "true or false");
  if (s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "False" || s == "FALSE" || s == "no" || s == "off") return false;
  config_fail(at.origin, key, "expected true or false, got " + quote_user_text(s));
}

std::string parse_text(const ConfigNode& at, const std::string& key) { return scalar_of(at, key, "text"); }

std::string parse_choice(const ConfigNode& at, const std::string& key, const std::vector<NamedChoice>& choices) {
  const std::string& s = scalar_of(at, key, "a name");
  for (const auto& c : choices)
    if (c.name == s) return s;
  config_fail(at.origin, key, quote_user_text(s) + " is not one of " + choice_names(choices));
}

namespace key_table_detail {

std::string shown_key(const std::string& k) {
  bool plain = !k.empty() && k.size() <= 60;
  for (char ch : k) plain = plain && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-');
  return plain ? k : quote_user_text(k);
}

std::string join_path(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

void check_section(const ConfigNode* node, const std::string& prefix, const std::vector<std::string>& allowed) {
  if (!node || node->is_null()) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  if (!node->is_map())
    config_fail(node->origin, prefix.empty() ? "(top level)" : prefix, "expected a mapping of keys (" + list + ")");
  for (const auto& kv : node->entries) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == kv.first;
    if (!ok)
      config_fail_unknown_key(kv.second.origin, join_path(prefix, shown_key(kv.first)),
                              "unknown key; allowed here: " + list);
  }
}

std::string help_line(int indent, const std::string& name, const std::string& type, const std::string& def,
                      const std::string& range, const std::string& help) {
  std::string head = std::string(static_cast<size_t>(indent), ' ') + name + ": " + (def.empty() ? "(optional)" : def);
  std::string detail = type;
  if (!range.empty()) detail += type == "choice" ? ": " + range : ", " + range;
  std::string line = head;
  if (line.size() < 34) line.resize(34, ' ');
  else line += "  ";
  line += help + "  [" + detail + "]\n";
  return line;
}

}  // namespace key_table_detail

}  // namespace hp
