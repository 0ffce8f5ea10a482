// User data (trial ids, swept values, error messages) shown inside a report: in a plot's
// legend, a Markdown table, an HTML page. Unlike quote_user_text (for messages) it adds
// no quotes: line breaks and tabs become spaces, other control bytes and bytes that are
// not valid UTF-8 become U+FFFD, and long text is cut at a character boundary with "…".
// Escaping for the target syntax (gnuplot, Markdown, HTML) is the writer's job.
#pragma once
#include <string>
#include <string_view>

namespace hp {

std::string display_text(std::string_view text, std::size_t max_bytes = 200);

}  // namespace hp
