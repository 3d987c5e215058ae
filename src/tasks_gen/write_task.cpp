#include "tasks_gen/write_task.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "benchmarks/gsm8k.hpp"
#include "benchmarks/livecodebench.hpp"
#include "codegrade/lcb_decode.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "tasks_gen/generated.hpp"

namespace trafl::tasks_gen {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;  // field order as in the published files

namespace {

std::string line(const ojson& j) { return j.dump(-1, ' ', false) + "\n"; }

struct Sizes {
  std::size_t max_p = 0, max_r = 0, sum_p = 0, sum_r = 0, n = 0;
  void add(const SftPair& s) {
    max_p = std::max(max_p, s.prompt.size());
    max_r = std::max(max_r, s.response.size());
    sum_p += s.prompt.size();
    sum_r += s.response.size();
    ++n;
  }
};

// GSM8K: the prompt is the adapter's "Question: {q}\nAnswer:"; the response continues it after a space.
SftPair math_pair(const MathItem& m) { return {gsm8k_prompt(m.question), " " + m.answer}; }

// LiveCodeBench (short prompt style): a fenced block, which is what the grader extracts.
SftPair code_pair(const CodeItem& c) { return {lcb_short_prompt(c.content), "```\n" + c.solution + "\n```"}; }

std::string tests_json(const std::vector<CodeTest>& tests) {
  ojson list = ojson::array();
  for (const auto& t : tests) list.push_back({{"input", t.input}, {"output", t.output}, {"testtype", "stdin"}});
  return list.dump();
}

ojson lcb_record(const CodeItem& c, std::uint64_t seed) {
  return {{"question_title", c.title},
          {"question_content", c.content},
          {"platform", "atcoder"},
          {"question_id", c.id},
          {"contest_id", fmt::format("gen{}", seed)},
          {"contest_date", c.contest_date},
          {"starter_code", ""},
          {"difficulty", c.difficulty},
          {"public_test_cases", tests_json(c.public_tests)},
          {"private_test_cases", codegrade::encode_lcb_tests(tests_json(c.private_tests))},
          {"metadata", "{}"}};
}

}  // namespace

MakeTaskResult make_generated_task(const MakeTaskOptions& o) {
  if (o.kind != "math" && o.kind != "code") throw UsageError(fmt::format("--kind '{}' is not math or code", o.kind));
  if (o.test < 1 || o.train < 0 || o.train > 1000000) throw UsageError("--test must be >= 1 and --train in 0..1000000");
  fs::create_directories(o.out_dir);
  MakeTaskResult r;
  auto path = [&](const char* name) { return (fs::path(o.out_dir) / name).string(); };
  r.train = path("train.jsonl");
  r.test = path("test.jsonl");
  r.sft = path("sft.jsonl");
  r.reference = path("reference-samples.jsonl");
  r.manifest = path("task.json");
  std::string train, test, sft, ref;
  Sizes sizes;
  ojson extra;
  try {
    if (o.kind == "math") {
      r.adapter = "gsm8k";
      auto test_items = generate_math(o.test, o.seed, "test");
      std::vector<std::string> avoid;
      for (const auto& m : test_items) avoid.push_back(m.question);
      auto train_items = generate_math(o.train, o.seed, "train", avoid);
      for (std::size_t i = 0; i < test_items.size(); ++i) {
        const auto& m = test_items[i];
        test += line({{"question", m.question}, {"answer", m.answer}});
        ref += line({{"problem_id", std::to_string(i)}, {"sample_index", 0}, {"completion", math_pair(m).response}});
      }
      for (const auto& m : train_items) {
        train += line({{"question", m.question}, {"answer", m.answer}});
        auto pair = math_pair(m);
        sizes.add(pair);
        sft += line({{"prompt", pair.prompt}, {"response", pair.response}});
      }
      for (const auto& m : test_items) sizes.add(math_pair(m));
    } else {
      r.adapter = "livecodebench";
      r.prompt_style = "short";
      auto test_items = generate_code(o.test, o.seed, "test");
      std::vector<std::string> held;
      for (const auto& c : test_items) held.push_back(code_combo(c));
      auto train_items = generate_code(o.train, o.seed, "train", held);
      for (const auto& c : test_items) {
        test += line(lcb_record(c, o.seed));
        auto pair = code_pair(c);
        sizes.add(pair);
        ref += line({{"problem_id", c.id}, {"sample_index", 0}, {"completion", pair.response}});
      }
      for (const auto& c : train_items) {
        train += line(lcb_record(c, o.seed));
        auto pair = code_pair(c);
        sizes.add(pair);
        sft += line({{"prompt", pair.prompt}, {"response", pair.response}});
      }
      extra["held_out_of_train"] = held;
    }
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const InputError*>(&e) || dynamic_cast<const UsageError*>(&e)) throw;
    throw UsageError(e.what());  // e.g. more distinct code problems asked for than exist
  }
  r.max_prompt_bytes = sizes.max_p;
  r.max_response_bytes = sizes.max_r;
  r.mean_prompt_bytes = sizes.n ? static_cast<double>(sizes.sum_p) / static_cast<double>(sizes.n) : 0;
  r.mean_response_bytes = sizes.n ? static_cast<double>(sizes.sum_r) / static_cast<double>(sizes.n) : 0;
  ojson manifest = {
      {"kind", o.kind},
      {"seed", o.seed},
      {"train", o.train},
      {"test", o.test},
      {"adapter", r.adapter},
      {"task_options", r.prompt_style.empty() ? ojson::object() : ojson{{"prompt_style", r.prompt_style}}},
      {"files",
       {{"train", "train.jsonl"},
        {"test", "test.jsonl"},
        {"sft", "sft.jsonl"},
        {"reference_samples", "reference-samples.jsonl"}}},
      {"bytes",
       {{"prompt_max", r.max_prompt_bytes},
        {"prompt_mean", r.mean_prompt_bytes},
        {"response_max", r.max_response_bytes},
        {"response_mean", r.mean_response_bytes}}},
      {"command", fmt::format("trafl-eval make-task --kind {} --seed {} --train {} --test {} --out DIR", o.kind, o.seed,
                              o.train, o.test)}};
  for (auto& [k, v] : extra.items()) manifest[k] = v;
  write_text_file(r.train, train, "task file");
  write_text_file(r.test, test, "task file");
  write_text_file(r.sft, sft, "task file");
  write_text_file(r.reference, ref, "task file");
  write_text_file(r.manifest, manifest.dump(2) + "\n", "task file");
  return r;
}

}  // namespace trafl::tasks_gen
