// A report's content (title, sections of text, tables and figures) and its two renderings:
// report.md, which links the PNGs beside it, and report.html, which embeds them as
// base64 data: URIs so the one file can be mailed or archived alone. All text is plain
// (user data already through display_text); each writer escapes it for its syntax.
#pragma once
#include <string>
#include <vector>

namespace hp {

struct ReportTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as long as header
};

struct ReportFigure {
  std::string file;  // the PNG's name, relative to the report
  std::string title;
  std::string caption;
  std::string png;  // the PNG's bytes (for the HTML)
};

struct ReportSection {
  std::string heading;
  std::vector<std::string> paragraphs;  // before the tables
  std::vector<ReportTable> tables;
  std::vector<std::string> notes;  // after the tables
  std::vector<ReportFigure> figures;
};

struct ReportDocument {
  std::string title;
  std::vector<ReportSection> sections;
};

std::string markdown_report(const ReportDocument& doc);
std::string html_report(const ReportDocument& doc);

// Text escaped for Markdown (inline: a table cell or a paragraph) and for HTML.
std::string markdown_escape(const std::string& text);
std::string html_escape(const std::string& text);

}  // namespace hp
