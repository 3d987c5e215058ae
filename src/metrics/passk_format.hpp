#pragma once
// Output of a PasskReport: a table for people, CSV and JSON for machines (stable, documented here).
//
// Table (stdout): one row per (group, split, reported k) with aligned columns
//   model  task  mode  [config]  [split]  k  pass@k  95% CI  problems  n
// pass@k and the CI are percentages with two decimals; n is the samples per problem ("64", or
// "60-64" when problems differ). The split column appears only when splitting ("all" marks the row
// over all problems of a group); the config column only when the report holds more than one
// decoding configuration, as the labels diagnose and the report use (e.g. "L=256 steps=256 block=32
// T=0.6 low_confidence", metrics/config_label.hpp), with a legend of their full JSON under the table.
// Omitted k values are not rows of the table: format_passk_notes() describes them (the CLI prints
// the notes to stderr).
//
// CSV (RFC 4180: fields with ',', '"', CR or LF are quoted, '"' doubled; lines end in "\n"), header
//   model,task,mode,config,label,by,scope,split,k,status,pass_at_k,ci_low,ci_high,confidence,bootstrap,
//   seed,problems,samples,correct,n_min,n_max,problems_short
// one row per (group, scope, requested k), in report order, k ascending:
//   config       canonical JSON of the decoding configuration (as the store gives it)
//   label        its short label, the one the table, diagnose and the report use (metrics/config_label.hpp)
//   by           the metadata key split on ("" without --by)
//   scope, split scope "all" = all problems of the group (split ""); scope "split" = the problems
//                whose metadata value is `split` (which may itself be "" for problems lacking it)
//   status       "ok", or "omitted" when problems_short > 0 problems have fewer than k samples:
//                then pass_at_k, ci_low and ci_high are empty (never a made-up 1.0)
//   pass_at_k, ci_low, ci_high  fractions in [0, 1], shortest round-trip decimal; ci_* are empty
//                when bootstrap = 0
//   problems, samples, correct, n_min, n_max  of the scope (samples = Σ n, correct = Σ c)
//
// JSON (one object, 2-space indent, keys sorted):
//   { "schema": "trafl-eval/passk", "version": 1,
//     "by": "level" | null, "confidence": 0.95, "bootstrap": 1000, "seed": 0,
//     "ci_method": "percentile bootstrap over problems (type-7 quantiles)",
//     "results": [ { "model", "task", "mode", "config": <the configuration as JSON>,
//                    "split": null (all problems of the group) | "<value>",
//                    "problems", "samples", "correct", "n_min", "n_max",
//                    "pass_at_k": [ { "k", "value", "ci_low", "ci_high" } ],   // ci_* null if no bootstrap
//                    "omitted":   [ { "k", "problems_short", "n_min" } ] } ],
//     "notes": [ "<human-readable omission notes>" ] }
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/passk.hpp"

namespace trafl {

enum class PasskFormat { kTable, kCsv, kJson };

// "table" | "csv" | "json"; anything else is a UsageError.
PasskFormat parse_passk_format(const std::string& name);

std::string format_passk_table(const PasskReport& report);
std::string format_passk_csv(const PasskReport& report);
nlohmann::json passk_to_json(const PasskReport& report);
std::string format_passk_json(const PasskReport& report);  // passk_to_json(report).dump(2) + "\n"

// One line per (group, split) with omitted k values, e.g.
//   note: gpt / math500 / boxed [split all]: pass@k omitted for k = 128, 256 — 3 of 500 problems
//   have fewer samples (min n = 100); only k <= 100 is reported.
// Empty when nothing was omitted.
std::vector<std::string> passk_notes(const PasskReport& report);

}  // namespace trafl
