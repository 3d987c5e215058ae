#pragma once
// One HTML page per (task, problem): the statement, gold answer and metadata; for each cell the
// unmasking orders of the problem's correct samples, models side by side (paths_figures.hpp), and
// for each model the outcome counts and a capped selection of samples (verdict, extracted answer,
// completion folded in <details>). Everything from the database is escaped.
#include <cstdint>
#include <string>

#include "diagnostics/diagnostics.hpp"
#include "report/figure_files.hpp"
#include "report/paths_figures.hpp"

namespace trafl {
class Store;
}

namespace trafl::report {

// Relative path (from out_dir) of a problem's page.
std::string problem_page_path(const std::string& task, const std::string& problem_id);

// Writes every problem page of `result` under out_dir, its pictures through `pictures`
// (`paths[i]` belongs to result.cells[i]); returns how many pages were written.
std::int64_t write_problem_pages(const Store& store, const diagnostics::Result& result,
                                 const std::vector<CellPaths>& paths, FigureWriter& pictures,
                                 const std::string& out_dir, std::int64_t samples_per_problem, const std::string& css);

}  // namespace trafl::report
