// Files that appear complete or not at all (results now, checkpoints later): written to
// an unpredictable temporary beside the target, flushed to disk, then renamed over it.
#pragma once
#include <string>

namespace hp {

// Writes `text` to `path`: a new temporary "<path>.tmp.<random>" created exclusively
// (O_CREAT|O_EXCL: a symlink or file planted at that name is never followed or reused),
// with the permissions of any new file (0666 & ~umask), written, fsync'd and renamed
// over `path` (a symlink at `path` is replaced, not followed). On any failure the
// temporary is removed, `path` is untouched, and hp::UserError names `what` and `path`.
void write_file_atomically(const std::string& path, const std::string& text,
                           const std::string& what = "output file");

// Fails early (before any computation) with hp::UserError if `path` could not be
// written: its folder is missing or not writable, or `path` is a folder.
void check_writable(const std::string& path, const std::string& what = "output file");

}  // namespace hp
