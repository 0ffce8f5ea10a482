// svmlight/libsvm text: "label idx:val idx:val ... [# comment]" with 1-based indices.
#include <petscsys.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "file_blocks.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "readers.hpp"
#include "text_numbers.hpp"

namespace hp::data_detail {

namespace {

// File content in a message: short and escaped (ANSI escapes, NULs, megabyte tokens).
std::string quoted(std::string_view s) { return quote_user_text(s); }

// Parses one line into `entries` (index-sorted, 0-based) and `label`. Returns what is
// wrong, or an empty string; `has_row` is false for blank and comment-only lines.
std::string parse_line(std::string_view text,
                       std::vector<std::pair<PetscInt, PetscScalar>>& entries, double& label,
                       bool& has_row) {
  text = text.substr(0, text.find('#'));
  const std::string_view label_tok = next_token(text);
  has_row = !label_tok.empty();
  if (!has_row) return {};
  if (!parse_double(label_tok, label)) {
    return "label " + quoted(label_tok) + " is not a number (each row starts with a numeric label)";
  }

  entries.clear();
  for (std::string_view tok = next_token(text); !tok.empty(); tok = next_token(text)) {
    const std::size_t colon = tok.find(':');
    if (colon == std::string_view::npos) {
      return quoted(tok) + " is not an index:value pair (expected e.g. 7:0.5)";
    }
    const std::string_view idx_s = tok.substr(0, colon), val_s = tok.substr(colon + 1);
    if (idx_s == "qid") continue;  // ranking query id: irrelevant here
    std::int64_t idx = 0;
    if (!parse_int64(idx_s, idx)) {
      return "feature index " + quoted(idx_s) + " in " + quoted(tok) + " is not an integer";
    }
    if (idx < 1) {
      return "feature index " + std::to_string(idx) + " is not 1-based (indices start at 1)";
    }
    if (idx > PETSC_MAX_INT) {
      return "feature index " + std::to_string(idx) + " exceeds the largest supported index " +
             std::to_string(PETSC_MAX_INT);
    }
    double v = 0;
    if (!parse_double(val_s, v)) {
      return "value " + quoted(val_s) + " of feature " + std::to_string(idx) +
             " is not a finite number";
    }
    entries.emplace_back(static_cast<PetscInt>(idx - 1), v);
  }

  auto by_index = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(entries.begin(), entries.end(), by_index)) {
    std::sort(entries.begin(), entries.end(), by_index);
  }
  auto dup = std::adjacent_find(entries.begin(), entries.end(),
                                [](const auto& a, const auto& b) { return a.first == b.first; });
  if (dup != entries.end()) {
    return "duplicate feature index " + std::to_string(dup->first + 1) +
           " (each index may appear once per row)";
  }
  return {};
}

}  // namespace

RawRows read_libsvm(MPI_Comm comm, const DatasetSpec& spec) {
  LineBlock block(comm, spec.key, spec.path);
  RawRows rows;
  PetscInt max_col = -1;
  std::vector<std::pair<PetscInt, PetscScalar>> entries;  // reused for every row

  block.scan([&](const Line& line) -> std::string {
    double label = 0;
    bool has_row = false;
    std::string err = parse_line(line.text, entries, label, has_row);
    if (!err.empty() || !has_row) return err;
    // An explicit zero still counts towards d: files use "d:0" to pin the dimension.
    if (!entries.empty()) max_col = std::max(max_col, entries.back().first);
    for (const auto& [col, val] : entries) {
      if (val == 0) continue;
      rows.cols.push_back(col);
      rows.vals.push_back(val);
    }
    return close_row(rows, label);
  });
  block.agree();
  finish_rows(comm, spec, max_col, rows);
  return rows;
}

}  // namespace hp::data_detail
