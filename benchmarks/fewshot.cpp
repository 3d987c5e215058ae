// Few-shot prompts as lm-eval builds them (see fewshot.hpp).
#include "benchmarks/fewshot.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "benchmarks/math.hpp"
#include "benchmarks/python_random.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/jsonl.hpp"

namespace trafl {

namespace {

// lm-eval's TaskConfig defaults (target_delimiter, fewshot_delimiter) and simple_evaluate's seed.
constexpr const char* kTargetDelimiter = " ";
constexpr const char* kFewshotDelimiter = "\n\n";
constexpr std::int64_t kDefaultSeed = 1234;

std::string exemplar_text(const std::string& prompt, const std::string& target) {
  return prompt + kTargetDelimiter + target + kFewshotDelimiter;
}

class FewShotTask : public Task {
 public:
  FewShotTask(std::unique_ptr<Task> inner, FewShotOptions o) : inner_(std::move(inner)), o_(std::move(o)) {
    if (!o_.file.empty()) {
      fixed_ = read_exemplar_file(o_.file);
      if (o_.k < 0) o_.k = static_cast<std::int64_t>(fixed_.size());
      if (static_cast<std::size_t>(o_.k) > fixed_.size())
        throw InputError(o_.file, 0, "",
                         fmt::format("--num-fewshot {}: the file holds only {} exemplars", o_.k, fixed_.size()));
      for (std::int64_t i = 0; i < o_.k; ++i)
        fixed_context_ += exemplar_text(inner_->prompt_for(fixed_[i].question), fixed_[i].answer);
    } else if (o_.seed < 0) {
      o_.seed = kDefaultSeed;
    }
  }

  std::string name() const override { return inner_->name(); }
  std::string description() const override { return inner_->description(); }
  std::string default_mode() const override { return inner_->default_mode(); }
  std::vector<std::string> modes() const override { return inner_->modes(); }
  Grade grade(const Problem& p, std::string_view completion, std::string_view mode) const override {
    return inner_->grade(p, completion, mode);
  }
  std::string data_identity(const std::string& path) const override { return inner_->data_identity(path); }
  std::string prompt_for(std::string_view question) const override { return inner_->prompt_for(question); }
  std::string default_data() const override { return inner_->default_data(); }

  nlohmann::json prompt_identity(const std::string& path) const override {
    if (!o_.file.empty()) return {{"k", o_.k}, {"source", "file"}, {"sha256", sha256_file(o_.file)}};
    return {{"k", o_.k}, {"seed", o_.seed}, {"source", "split"}, {"sha256", sha256_file(split_of(path))}};
  }

  std::vector<Problem> load(const std::string& path) const override {
    std::vector<Problem> problems = inner_->load(path);
    if (!o_.file.empty()) {
      for (auto& p : problems) p.prompt = fixed_context_ + p.prompt;
      return problems;
    }
    const std::string split = split_of(path);
    const std::vector<Problem> pool = inner_->load(split);  // the task's own loader names bad lines
    // lm-eval draws one extra exemplar when the few-shot split is the evaluated one, then drops the doc.
    const bool same_split = sha256_file(split) == sha256_file(path);
    const auto k = static_cast<std::size_t>(o_.k);
    const std::size_t draw = k + (same_split ? 1 : 0);
    if (draw > pool.size())
      throw InputError(split, 0, "",
                       fmt::format("--num-fewshot {}: the split holds only {} problems{}", o_.k, pool.size(),
                                   same_split ? " (one more is drawn when it is the data file itself)" : ""));
    PythonRandom rng(static_cast<std::uint64_t>(o_.seed));
    for (auto& p : problems) {
      std::string context;
      std::size_t used = 0;
      for (std::size_t i : rng.sample(pool.size(), draw)) {
        const Problem& e = pool[i];
        if (used == k || (e.question == p.question && e.reference == p.reference)) continue;
        context += exemplar_text(e.prompt, e.reference);
        ++used;
      }
      p.prompt = context + p.prompt;
    }
    return problems;
  }

 private:
  std::string split_of(const std::string& path) const {
    return o_.data.empty() ? default_fewshot_split(path) : o_.data;
  }

  std::unique_ptr<Task> inner_;
  FewShotOptions o_;
  std::vector<Exemplar> fixed_;
  std::string fixed_context_;
};

}  // namespace

std::vector<Exemplar> read_exemplar_file(const std::string& path) {
  JsonlReader reader(path);
  JsonlRecord rec;
  std::vector<Exemplar> out;
  while (reader.next(rec))
    out.push_back({bench::require_text(rec, path, "question"), bench::require_text(rec, path, "answer")});
  if (out.empty()) throw InputError(path, 0, "", "no exemplars (the file is empty)");
  return out;
}

std::string default_fewshot_split(const std::string& data_path) {
  namespace fs = std::filesystem;
  const fs::path data(data_path);
  std::string name = data.filename().string();
  const auto at = name.rfind("test");
  if (at == std::string::npos)
    throw UsageError(fmt::format(
        "--num-fewshot: the data file {} has no 'test' in its name to find its train split by; give --fewshot-data",
        data_path));
  name.replace(at, 4, "train");
  const std::string split = (data.parent_path() / name).string();
  std::error_code ec;
  if (!fs::is_regular_file(split, ec))
    throw UsageError(
        fmt::format("--num-fewshot: no train split next to {} (looked for {}); give --fewshot-data", data_path, split));
  return split;
}

std::unique_ptr<Task> with_fewshot(std::unique_ptr<Task> inner, const FewShotOptions& o) {
  if (!o.given()) return inner;
  if (o.k == 0) {
    if (o.seed >= 0 || !o.file.empty() || !o.data.empty())
      throw UsageError("--num-fewshot 0: zero-shot prompts take no --fewshot-seed/--fewshot-file/--fewshot-data");
    return inner;
  }
  if (!o.file.empty() && o.seed >= 0)
    throw UsageError(
        "--fewshot-seed: a --fewshot-file's exemplars are used in the file's order, so a seed would change nothing");
  if (!o.file.empty() && !o.data.empty())
    throw UsageError("--fewshot-file and --fewshot-data: give one source of exemplars");
  if (o.file.empty() && o.k < 0)
    throw UsageError("--fewshot-seed/--fewshot-data: give --num-fewshot K (the number of exemplars to draw)");
  return std::make_unique<FewShotTask>(std::move(inner), o);
}

}  // namespace trafl
