// Dense numeric CSV: one row per line, one column holds the label, the rest are features.
#include <petscsys.h>

#include <algorithm>
#include <string>
#include <vector>

#include "file_blocks.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "readers.hpp"
#include "text_numbers.hpp"

namespace hp::data_detail {

namespace {

std::int64_t count_fields(std::string_view text) {
  return 1 + static_cast<std::int64_t>(std::count(text.begin(), text.end(), ','));
}

std::string wrong_width(std::int64_t got, std::int64_t expected) {
  return "has " + std::to_string(got) + " fields, expected " + std::to_string(expected) +
         " (as in the first data row); every row needs the same number of comma-separated fields";
}

}  // namespace

RawRows read_csv(MPI_Comm comm, const DatasetSpec& spec) {
  LineBlock block(comm, spec.key, spec.path);
  RawRows rows;
  // The width of this rank's first data row; checked against the file's first data row
  // (on the lowest rank with rows) once every rank has scanned.
  std::int64_t width = -1, first_row_line = -1;
  std::int64_t label_at = -1;

  block.scan([&](const Line& line) -> std::string {
    if (spec.header && line.file_start) return {};
    if (trim(line.text).empty()) return {};

    const std::int64_t n = count_fields(line.text);
    if (width < 0) {
      width = n;
      first_row_line = line.index;
      label_at = spec.label_column >= 0 ? spec.label_column : n + spec.label_column;
      if (n < 2) {
        return "has " + std::to_string(n) +
               " field; need a label column and at least one feature column";
      }
      if (n - 1 > static_cast<std::int64_t>(PETSC_MAX_INT)) {  // column indices are PetscInt
        return "has " + std::to_string(n) + " fields, more than this PETSc build's 32-bit " +
               "indices allow (" + std::to_string(PETSC_MAX_INT) + " feature columns)";
      }
      if (label_at < 0 || label_at >= n) {
        return spec.key + ".label_column = " + std::to_string(spec.label_column) +
               " is out of range for " + std::to_string(n) + " fields; use 0.." +
               std::to_string(n - 1) + " (or -1..-" + std::to_string(n) + " from the end)";
      }
    } else if (n != width) {
      return wrong_width(n, width);
    }

    double label = 0;
    std::string_view rest = line.text;
    for (std::int64_t c = 0; c < n; ++c) {
      const std::size_t comma = rest.find(',');
      const std::string_view field = trim(rest.substr(0, comma));
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      double v = 0;
      if (!parse_double(field, v)) {
        return "column " + std::to_string(c + 1) +
               (field.empty() ? std::string(" is empty")
                              : " (" + quote_user_text(field) + ") is not a finite number");
      }
      if (c == label_at) {
        label = v;
      } else if (v != 0) {
        rows.cols.push_back(static_cast<PetscInt>(c < label_at ? c : c - 1));
        rows.vals.push_back(v);
      }
    }
    return close_row(rows, label);
  });

  // The file's width is that of the lowest rank that has rows.
  std::vector<std::int64_t> widths(static_cast<std::size_t>(comm_size(comm)));
  MPI_Allgather(&width, 1, MPI_INT64_T, widths.data(), 1, MPI_INT64_T, comm);
  const auto first =
      std::find_if(widths.begin(), widths.end(), [](std::int64_t w) { return w >= 0; });
  const std::int64_t file_width = first == widths.end() ? -1 : *first;
  if (width >= 0 && width != file_width)
    block.fail_at(first_row_line, wrong_width(width, file_width));
  block.agree();

  // d counts every feature column, even ones that are zero throughout.
  const auto max_col = static_cast<PetscInt>(file_width >= 2 ? file_width - 2 : -1);
  finish_rows(comm, spec, max_col, rows);
  return rows;
}

}  // namespace hp::data_detail
