#pragma once
// Writing a figure out: <name>.svg, <name>.csv (with its title and caption as '#' lines), and with
// rsvg-convert (Debian librsvg2-bin, installed by scripts/setup) a vector <name>.pdf for LaTeX and a
// <name>.png; and the HTML block that shows it: title and subtitle above the (title-less) SVG, the
// caption and the file links below. Without rsvg-convert the PDF/PNG copies are skipped and `note`
// says so (the report prints it).
#include <string>
#include <vector>

#include "report/figures.hpp"

namespace trafl::report {

class FigureWriter {
 public:
  FigureWriter(std::string out_dir, bool png, bool pdf);

  // Writes the files under out_dir/rel_dir (created if missing); `convert`: also PDF/PNG. Returns
  // the <figure> element, its links relative to a page that reaches rel_dir as `link_dir`.
  std::string write(const Figure& figure, const std::string& rel_dir, const std::string& link_dir, bool convert);

  std::vector<std::string> svgs, csvs, pdfs, pngs;  // paths written
  std::string note;                                 // why PDF/PNG copies were skipped ("" when not)

 private:
  bool convert_to(const std::string& format, const std::string& svg, const std::string& out);
  std::string out_dir_;
  bool png_, pdf_;
  bool looked_ = false;
  std::string rsvg_;
};

}  // namespace trafl::report
