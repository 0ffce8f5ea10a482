// User data quoted in messages: short, escaped, safe for a terminal. Files and `--set`
// values are untrusted bytes (ANSI escapes, NULs, megabyte tokens); every message that
// echoes them goes through quote_user_text.
#pragma once
#include <string>
#include <string_view>

namespace hp {

// 'text' in single quotes, at most `max_chars` source bytes (then "…(N bytes)"), with
// control bytes, quotes, backslashes and bytes that are not valid UTF-8 escaped as \n,
// \t, \xHH.
std::string quote_user_text(std::string_view text, std::size_t max_chars = 60);

// A file path from the user (config, --set, command line), escaped like quote_user_text
// but kept whole up to PATH_MAX bytes: a path cut at 60 bytes would lose its file name.
std::string quote_user_path(std::string_view path);

// Length of the valid, printable UTF-8 sequence starting at s[i]: 0 if it is not valid
// UTF-8 (overlong, surrogate, truncated) or is a C1 control (U+0080..U+009F, which can act
// as terminal escapes).
std::size_t utf8_length(std::string_view s, std::size_t i);

}  // namespace hp
