#pragma once
// Output of the diagnostics: tables for people (stdout), CSV and JSON for machines (--out DIR).
//
// Files written by write_outputs(result, dir) (RFC 4180 CSV, "\n" line ends, numbers shortest
// round-trip; empty field = undefined/not computed):
//   passk.csv       task,cell,model,mode,k,pass_at_k,ci_low,ci_high,problems,n_min
//   distinct.csv    task,cell,model,mode,k,distinct_correct,dc_ci_low,dc_ci_high,distinct_answers,da_ci_low,da_ci_high
//   baseline.csv    task,cell,model,baseline,k,delta,ci_low,ci_high,common_problems
//   summary.csv     task,cell,model,mode,run_ids,problems,samples,correct,n_min,n_max,coverage,answer_entropy,
//                   traj_problems,traj_samples,kendall,step_distance,distinct_orders,position_entropy,
//                   baseline,crossover_k,below_from_start,significant_below_k,locking_k,gain_model,
//                   gain_baseline,locking,locking_ci_low,locking_ci_high,distinct_drop,order_diversity_drop
//   problems.csv    task,cell,model,problem_id,n,c,answered,distinct_answers,distinct_correct,answer_entropy,
//                   traj_samples,kendall,step_distance,distinct_orders,position_entropy
//   diagnostics.json  everything above in one object: {"schema": "trafl-eval/diagnostics", "version": 2,
//                   "db", "options", "definitions", "notes", "cells": [{task, cell, config, models: [...]}]}
// `cell` is the cell label (e.g. "L=256 steps=256 block=32 T=0.6", metrics/config_label.hpp, the
// label passk's table gives the same configuration); `run_ids` the ids of the runs pooled in the
// row, space separated (JSON: an array) — ids, not a count (version 1 called it `runs`).
#include <string>

#include <nlohmann/json.hpp>

#include "diagnostics/diagnostics.hpp"

namespace trafl::diagnostics {

std::string format_tables(const Result& result);
nlohmann::json to_json(const Result& result);
// Creates `dir` if needed; returns the paths written.
std::vector<std::string> write_outputs(const Result& result, const std::string& dir);

// The definitions, one line each, shown in the tables' footer, the JSON and the report.
const std::vector<std::pair<std::string, std::string>>& definitions();

}  // namespace trafl::diagnostics
