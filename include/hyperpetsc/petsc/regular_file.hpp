// Input paths must name regular files: a FIFO, /dev/zero or a terminal would block or
// never end, and a folder fails deep inside a stream. Checked with stat(2), before any
// open, so nothing is ever opened that could block.
#pragma once
#include <string>

namespace hp {

// What keeps `path` from being read as a regular file, without advice: "<what>: '<path>'
// is a FIFO (named pipe), not a regular file", "<what>: '<path>' not found", ...; empty
// if `path` (after following symlinks) is a regular file.
std::string regular_file_problem(const std::string& path, const std::string& what);

// Throws hp::UserError "<problem>; <advice>" if there is a problem. Local: a collective
// caller agrees on the outcome itself (hp::agree_or_throw).
void require_regular_file(const std::string& path, const std::string& what,
                          const std::string& advice = "give the path of a regular file");

}  // namespace hp
