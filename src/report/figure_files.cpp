#include "report/figure_files.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <unistd.h>

#include "core/file_io.hpp"
#include "report/html.hpp"

namespace trafl::report {

namespace fs = std::filesystem;

namespace {

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::error_code ec;
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (fs::is_regular_file(candidate, ec) && access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

}  // namespace

FigureWriter::FigureWriter(std::string out_dir, bool png, bool pdf)
    : out_dir_(std::move(out_dir)), png_(png), pdf_(pdf) {}

bool FigureWriter::convert_to(const std::string& format, const std::string& svg, const std::string& out) {
  if (!looked_) {
    rsvg_ = find_on_path("rsvg-convert");
    looked_ = true;
    if (rsvg_.empty())
      note = "PDF and PNG copies of the figures skipped: rsvg-convert (Debian package librsvg2-bin) is not installed";
  }
  if (rsvg_.empty()) return false;
  // Paths are ours (slugs under out_dir), single-quoted for the shell; a quote in out_dir refuses.
  if (out.find('\'') != std::string::npos || svg.find('\'') != std::string::npos) return false;
  const std::string zoom = format == "png" ? " -z 2" : "";
  const std::string cmd = fmt::format("'{}' -f {}{} -o '{}' '{}' 2>/dev/null", rsvg_, format, zoom, out, svg);
  return std::system(cmd.c_str()) == 0;
}

std::string FigureWriter::write(const Figure& fig, const std::string& rel_dir, const std::string& link_dir,
                                bool convert) {
  const fs::path dir = fs::path(out_dir_) / rel_dir;
  fs::create_directories(dir);
  const std::string svg = (dir / (fig.name + ".svg")).string(), csv = (dir / (fig.name + ".csv")).string();
  write_text_file(svg, fig.svg, "report figure");
  write_text_file(csv, csv_with_header(fig), "report figure data");
  svgs.push_back(svg);
  csvs.push_back(csv);
  std::string links =
      fmt::format("<a href=\"{0}{1}.svg\">SVG</a> · <a href=\"{0}{1}.csv\">data (CSV)</a>", link_dir, fig.name);
  if (convert && pdf_) {
    const std::string pdf = (dir / (fig.name + ".pdf")).string();
    if (convert_to("pdf", svg, pdf))
      pdfs.push_back(pdf), links += fmt::format(" · <a href=\"{}{}.pdf\">PDF</a>", link_dir, fig.name);
  }
  if (convert && png_) {
    const std::string png = (dir / (fig.name + ".png")).string();
    if (convert_to("png", svg, png))
      pngs.push_back(png), links += fmt::format(" · <a href=\"{}{}.png\">PNG</a>", link_dir, fig.name);
  }
  return fmt::format(
      "<figure id=\"fig-{}\"><div class=\"fig-title\"><b>{}</b>{}</div>\n{}<figcaption>{} {}</figcaption></figure>\n",
      fig.name, escape(fig.title), fig.subtitle.empty() ? "" : "<br><small>" + escape(fig.subtitle) + "</small>",
      fig.svg.substr(fig.svg.find("<svg")), escape(fig.caption), links);
}

}  // namespace trafl::report
