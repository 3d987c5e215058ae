#pragma once
// The loop every JSONL-backed task's load() runs: each record through a reader of its own, ids checked
// unique (naming both lines) and an empty file refused, so a loader states only how one record becomes
// a Problem.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/jsonl.hpp"
#include "records/problem.hpp"

namespace trafl::bench {

// `read` gets the record and its 0-based index (blank lines not counted) and sets `id_field` to the
// field the id came from ("(line index)" when none), for the duplicate-id message.
using RecordReader = std::function<Problem(const JsonlRecord& rec, std::size_t index, std::string& id_field)>;
std::vector<Problem> read_problem_file(const std::string& path, const RecordReader& read);

}  // namespace trafl::bench
