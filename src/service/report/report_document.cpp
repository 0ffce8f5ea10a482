#include "hyperpetsc/service/report/report_document.hpp"

#include <cstring>

#include "hyperpetsc/service/report/base64.hpp"

namespace hp {

std::string markdown_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    // CommonMark lets a backslash escape any ASCII punctuation; these could start markup
    // (emphasis, links, HTML, code, a table cell's end).
    if (c != '\0' && std::strchr("\\`*_[]<>|&#!~", c)) out += '\\';
    out += c;
  }
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string markdown_report(const ReportDocument& doc) {
  std::string md = "# " + markdown_escape(doc.title) + "\n";
  for (const auto& section : doc.sections) {
    md += "\n## " + markdown_escape(section.heading) + "\n";
    for (const auto& p : section.paragraphs) md += "\n" + markdown_escape(p) + "\n";
    for (const auto& table : section.tables) {
      md += "\n|";
      for (const auto& h : table.header) md += " " + markdown_escape(h) + " |";
      md += "\n|";
      for (std::size_t c = 0; c < table.header.size(); ++c) md += c == 0 ? " :-- |" : " --: |";
      for (const auto& row : table.rows) {
        md += "\n|";
        for (const auto& cell : row) md += " " + markdown_escape(cell) + " |";
      }
      md += "\n";
    }
    for (const auto& p : section.notes) md += "\n" + markdown_escape(p) + "\n";
    for (const auto& fig : section.figures) {
      // The file names are the report's own (plot_file_names): safe in a link.
      md += "\n### " + markdown_escape(fig.title) + "\n\n![" + markdown_escape(fig.caption) + "](" + fig.file +
            ")\n\n*" + markdown_escape(fig.caption) + "*\n";
    }
  }
  return md;
}

std::string html_report(const ReportDocument& doc) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(doc.title) +
      "</title>\n<style>\n"
      "body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; "
      "padding: 0 1em; color: #222; }\n"
      "table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }\n"
      "th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; }\n"
      "th { background: #f0f0f0; text-align: left; }\n"
      "td { text-align: right; font-variant-numeric: tabular-nums; }\n"
      "td:first-child { text-align: left; }\n"
      "figure { margin: 1.5em 0; }\n"
      "img { max-width: 100%; height: auto; border: 1px solid #eee; }\n"
      "figcaption { color: #555; font-size: 0.92em; }\n"
      "</style>\n</head>\n<body>\n<h1>" +
      html_escape(doc.title) + "</h1>\n";
  for (const auto& section : doc.sections) {
    html += "<h2>" + html_escape(section.heading) + "</h2>\n";
    for (const auto& p : section.paragraphs) html += "<p>" + html_escape(p) + "</p>\n";
    for (const auto& table : section.tables) {
      html += "<table>\n<tr>";
      for (const auto& h : table.header) html += "<th>" + html_escape(h) + "</th>";
      html += "</tr>\n";
      for (const auto& row : table.rows) {
        html += "<tr>";
        for (const auto& cell : row) html += "<td>" + html_escape(cell) + "</td>";
        html += "</tr>\n";
      }
      html += "</table>\n";
    }
    for (const auto& p : section.notes) html += "<p>" + html_escape(p) + "</p>\n";
    for (const auto& fig : section.figures) {
      html += "<figure>\n<h3>" + html_escape(fig.title) + "</h3>\n<img src=\"data:image/png;base64,";
      html += base64_encode(fig.png);
      html += "\" alt=\"" + html_escape(fig.caption) + "\">\n<figcaption>" + html_escape(fig.caption) +
              "</figcaption>\n</figure>\n";
    }
  }
  return html + "</body>\n</html>\n";
}

}  // namespace hp
