#pragma once
// One HTML page per (task, problem): the statement, gold answer and metadata, and for each cell
// and model the outcome counts and a capped selection of samples (verdict, extracted answer,
// completion folded in <details>). Everything from the database is escaped.
#include <cstdint>
#include <string>

#include "diagnostics/diagnostics.hpp"

namespace trafl {
class Store;
}

namespace trafl::report {

// Relative path (from out_dir) of a problem's page.
std::string problem_page_path(const std::string& task, const std::string& problem_id);

// Writes every problem page of `result` under out_dir; returns how many were written.
std::int64_t write_problem_pages(const Store& store, const diagnostics::Result& result, const std::string& out_dir,
                                 std::int64_t samples_per_problem, const std::string& css);

}  // namespace trafl::report
