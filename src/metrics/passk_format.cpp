#include "metrics/passk_format.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/error.hpp"
#include "metrics/config_label.hpp"

namespace trafl {

namespace {

std::string percent(double v) { return fmt::format("{:.2f}", v * 100.0); }

std::string confidence_label(double confidence) {
  // 0.95 → "95%", 0.9 → "90%", 0.995 → "99.5%".
  std::string s = fmt::format("{:.4f}", confidence * 100.0);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s + "%";
}

std::string split_label(const PasskResult& r) {
  if (!r.split) return "all";
  return r.split->empty() ? "(none)" : *r.split;
}

std::string samples_label(const PasskResult& r) {
  return r.n_min == r.n_max ? fmt::format("{}", r.n_min) : fmt::format("{}-{}", r.n_min, r.n_max);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string number(double v) { return fmt::format("{}", v); }

nlohmann::json config_json(const std::string& config) {
  if (config.empty()) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(config, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? nlohmann::json(config) : parsed;
}

std::string group_label(const PasskResult& r, bool with_split) {
  std::string s = fmt::format("{} / {} / {}", r.group.model, r.group.task, r.group.mode);
  if (!r.group.config.empty() && r.group.config != "{}") s += fmt::format(" / config {}", r.group.config);
  if (with_split) s += fmt::format(" [split {}]", split_label(r));
  return s;
}

}  // namespace

PasskFormat parse_passk_format(const std::string& name) {
  if (name == "table") return PasskFormat::kTable;
  if (name == "csv") return PasskFormat::kCsv;
  if (name == "json") return PasskFormat::kJson;
  throw UsageError(fmt::format("unknown --format '{}' (expected table, csv or json)", name));
}

std::vector<std::string> passk_notes(const PasskReport& report) {
  std::vector<std::string> notes;
  for (const auto& r : report.results) {
    if (r.omitted.empty()) continue;
    std::vector<std::string> parts;
    for (const auto& o : r.omitted)
      parts.push_back(fmt::format("{} ({} of {} problems have n < {})", o.k, o.problems_short, r.problems, o.k));
    std::string reported = r.points.empty() ? "no k is reported" : fmt::format("only k <= {} is reported", r.n_min);
    notes.push_back(
        fmt::format("note: {}: pass@k omitted for k = {}; min n = {}, {} (k > n has no unbiased "
                    "estimate)",
                    group_label(r, !report.by.empty()), fmt::join(parts, ", "), r.n_min, reported));
  }
  return notes;
}

namespace {
// The (config, task) pairs in order of first appearance and their short labels: the labels diagnose and
// the report give the same configurations (metrics/config_label.hpp). Every output format names a
// configuration by the same label.
struct ConfigLabels {
  std::vector<std::string> configs, tasks, labels;
  const std::string& of(const PasskResult& r) const {
    for (std::size_t i = 0; i < configs.size(); ++i)
      if (configs[i] == r.group.config && tasks[i] == r.group.task) return labels[i];
    static const std::string none;
    return none;
  }
};
ConfigLabels config_labels_of(const PasskReport& report) {
  ConfigLabels c;
  for (const auto& r : report.results) {
    bool seen = false;
    for (std::size_t i = 0; i < c.configs.size() && !seen; ++i)
      seen = c.configs[i] == r.group.config && c.tasks[i] == r.group.task;
    if (!seen) c.configs.push_back(r.group.config), c.tasks.push_back(r.group.task);
  }
  c.labels = config_labels(c.configs, c.tasks);
  return c;
}
}  // namespace

std::string format_passk_table(const PasskReport& report) {
  const bool with_split = !report.by.empty();
  const ConfigLabels cl = config_labels_of(report);
  const std::vector<std::string>& configs = cl.configs;
  const std::vector<std::string>& config_tasks = cl.tasks;
  const std::vector<std::string>& labels = cl.labels;
  std::vector<std::string> distinct_configs = configs;
  std::sort(distinct_configs.begin(), distinct_configs.end());
  const bool with_config = std::unique(distinct_configs.begin(), distinct_configs.end()) - distinct_configs.begin() > 1;

  std::vector<std::string> header = {"model", "task", "mode"};
  if (with_config) header.push_back("config");
  if (with_split) header.push_back(report.by);
  const std::size_t first_numeric = header.size();
  for (const char* h : {"k", "pass@k"}) header.push_back(h);
  header.push_back(confidence_label(report.confidence) + " CI");
  header.push_back("problems");
  header.push_back("n");

  std::vector<std::vector<std::string>> rows;
  for (const auto& r : report.results) {
    for (const auto& pt : r.points) {
      std::vector<std::string> row = {r.group.model, r.group.task, r.group.mode};
      if (with_config) row.push_back(cl.of(r));
      if (with_split) row.push_back(split_label(r));
      row.push_back(fmt::format("{}", pt.k));
      row.push_back(percent(pt.value));
      row.push_back(pt.has_ci ? fmt::format("[{}, {}]", percent(pt.ci_low), percent(pt.ci_high)) : "-");
      row.push_back(fmt::format("{}", r.problems));
      row.push_back(samples_label(r));
      rows.push_back(std::move(row));
    }
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());

  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) out += "  ";
      out += i < first_numeric ? fmt::format("{:<{}}", cells[i], width[i]) : fmt::format("{:>{}}", cells[i], width[i]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto& row : rows) out += line(row);
  if (with_config) {
    out += "\n";
    for (std::size_t i = 0; i < configs.size(); ++i)
      out += fmt::format("{} / {} = {}\n", config_tasks[i], labels[i], configs[i]);
  } else if (configs.size() == 1 && !configs[0].empty() && configs[0] != "{}") {
    out += fmt::format("\nconfig {} = {}\n", labels[0], configs[0]);
  }
  if (report.bootstrap > 0)
    out += fmt::format("\n{} CI: percentile bootstrap over problems, {} resamples, seed {}\n",
                       confidence_label(report.confidence), report.bootstrap, report.seed);
  return out;
}

std::string format_passk_csv(const PasskReport& report) {
  std::string out =
      "model,task,mode,config,label,by,scope,split,k,status,pass_at_k,ci_low,ci_high,confidence,bootstrap,seed,"
      "problems,samples,correct,n_min,n_max,problems_short\n";
  const ConfigLabels cl = config_labels_of(report);
  for (const auto& r : report.results) {
    // Reported and omitted k, merged in ascending k.
    std::map<std::int64_t, std::string> by_k;
    const std::string tail = fmt::format("{},{},{},{},{},{},{},{}", number(report.confidence), report.bootstrap,
                                         report.seed, r.problems, r.samples, r.correct, r.n_min, r.n_max);
    const std::string head =
        fmt::format("{},{},{},{},{},{},{},{}", csv_field(r.group.model), csv_field(r.group.task),
                    csv_field(r.group.mode), csv_field(r.group.config), csv_field(cl.of(r)), csv_field(report.by),
                    r.split ? "split" : "all", csv_field(r.split ? *r.split : std::string()));
    for (const auto& pt : r.points)
      by_k[pt.k] = fmt::format("{},{},ok,{},{},{},{},0\n", head, pt.k, number(pt.value),
                               pt.has_ci ? number(pt.ci_low) : "", pt.has_ci ? number(pt.ci_high) : "", tail);
    for (const auto& o : r.omitted)
      by_k[o.k] = fmt::format("{},{},omitted,,,,{},{}\n", head, o.k, tail, o.problems_short);
    for (const auto& [k, row] : by_k) out += row;
  }
  return out;
}

nlohmann::json passk_to_json(const PasskReport& report) {
  using nlohmann::json;
  json j = json::object();
  j["schema"] = "trafl-eval/passk";
  j["version"] = 1;
  j["by"] = report.by.empty() ? json(nullptr) : json(report.by);
  j["confidence"] = report.confidence;
  j["bootstrap"] = report.bootstrap;
  j["seed"] = report.seed;
  j["ci_method"] = "percentile bootstrap over problems (type-7 quantiles)";
  json results = json::array();
  const ConfigLabels cl = config_labels_of(report);
  for (const auto& r : report.results) {
    json g = json::object();
    g["model"] = r.group.model;
    g["task"] = r.group.task;
    g["mode"] = r.group.mode;
    g["config"] = config_json(r.group.config);
    g["label"] = cl.of(r);
    g["split"] = r.split ? json(*r.split) : json(nullptr);
    g["problems"] = r.problems;
    g["samples"] = r.samples;
    g["correct"] = r.correct;
    g["n_min"] = r.n_min;
    g["n_max"] = r.n_max;
    json points = json::array();
    for (const auto& pt : r.points) {
      points.push_back({{"k", pt.k},
                        {"value", pt.value},
                        {"ci_low", pt.has_ci ? json(pt.ci_low) : json(nullptr)},
                        {"ci_high", pt.has_ci ? json(pt.ci_high) : json(nullptr)}});
    }
    g["pass_at_k"] = std::move(points);
    json omitted = json::array();
    for (const auto& o : r.omitted)
      omitted.push_back({{"k", o.k}, {"problems_short", o.problems_short}, {"n_min", o.n_min}});
    g["omitted"] = std::move(omitted);
    results.push_back(std::move(g));
  }
  j["results"] = std::move(results);
  j["notes"] = passk_notes(report);
  return j;
}

std::string format_passk_json(const PasskReport& report) { return passk_to_json(report).dump(2) + "\n"; }

}  // namespace trafl
