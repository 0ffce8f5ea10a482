#include "hyperpetsc/service/report/metrics_table.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

MetricsTable::MetricsTable(std::vector<std::string> columns, std::vector<std::vector<double>> values)
    : columns_(std::move(columns)), values_(std::move(values)) {}

const std::vector<double>* MetricsTable::column(std::string_view name) const {
  for (std::size_t c = 0; c < columns_.size(); ++c)
    if (columns_[c] == name) return &values_[c];
  return nullptr;
}

bool MetricsTable::has_values(std::string_view name) const {
  const auto* col = column(name);
  if (!col) return false;
  for (double v : *col)
    if (std::isfinite(v)) return true;
  return false;
}

namespace {

// The cells of one line split at commas (the contract's cells are numbers: no quoting).
void split_cells(std::string_view line, std::vector<std::string_view>& cells) {
  cells.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      cells.push_back(line.substr(start));
      return;
    }
    cells.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

std::string where(const std::string& file, std::size_t line) {
  return quote_user_path(file) + " line " + std::to_string(line);
}

}  // namespace

MetricsTable parse_metrics_csv(const std::string& text, const std::string& file) {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> values;
  std::vector<std::string_view> cells;
  std::string number;  // one cell, NUL-terminated for strtod
  const std::string_view all(text);
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < all.size();) {
    const std::size_t nl = all.find('\n', pos);
    if (nl == std::string_view::npos) break;  // unterminated: a row still being written
    std::string_view line = all.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    split_cells(line, cells);
    if (columns.empty()) {
      for (const auto& name : cells) {
        for (const auto& seen : columns)
          if (seen == name)
            throw UserError(where(file, line_no) + ": column " + quote_user_text(name) +
                            " appears twice in the header; a metrics.csv names each column once");
        columns.emplace_back(name);
      }
      bool has_step = false;
      for (const auto& c : columns) has_step = has_step || c == "step";
      if (!has_step)
        throw UserError(where(file, line_no) + ": the header " + quote_user_text(line) +
                        " has no 'step' column; is this the metrics.csv of a hyperpetsc run?");
      values.resize(columns.size());
      continue;
    }
    if (cells.size() != columns.size())
      throw UserError(where(file, line_no) + ": " + std::to_string(cells.size()) + " cells, but the header has " +
                      std::to_string(columns.size()) + " columns (" + quote_user_text(line) + ")");
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string_view cell = cells[c];
      if (cell.empty()) {
        values[c].push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      number.assign(cell);
      char* end = nullptr;
      const double v = std::strtod(number.c_str(), &end);
      // strtod skips leading blanks; a cell is the number alone.
      if (end != number.c_str() + number.size() || std::isspace(static_cast<unsigned char>(number[0])))
        throw UserError(where(file, line_no) + ": column " + quote_user_text(columns[c]) + ": " +
                        quote_user_text(cell) + " is not a number (an empty cell is a value that does not apply)");
      values[c].push_back(v);
    }
  }
  if (columns.empty()) throw UserError(quote_user_path(file) + " is empty: no header line; is the run still starting?");
  return MetricsTable(std::move(columns), std::move(values));
}

}  // namespace hp
