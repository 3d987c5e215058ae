#include "cli/conventions.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <map>

namespace trafl::cli {

namespace {

bool g_quiet = false;

// One example per subcommand, shown at the end of its --help (paths as in the README).
const std::map<std::string, std::string>& examples() {
  static const std::map<std::string, std::string> kExamples = {
      {"tasks", "trafl-eval tasks"},
      {"judge", "trafl-eval judge --task gsm8k --gold 42 --response 'so the answer is #### 42'"},
      {"grade",
       "trafl-eval grade --task gsm8k --data gsm8k/test.jsonl --samples samples.jsonl --db results/run.db --model mine"},
      {"passk", "trafl-eval passk --db results/run.db --task math500 --by level --k 1,8,64"},
      {"make-fixtures", "trafl-eval make-fixtures --out fixtures"},
      {"make-task", "trafl-eval make-task --kind math --seed 1 --out tasks/math"},
      {"demo", "trafl-eval demo --out demo --quick"},
      {"tokenize", "trafl-eval tokenize --tokenizer models/tiny/base/tokenizer.json --text 'Hi' --chat"},
      {"exec", "trafl-eval exec solution.py --stdin input.txt --timeout 2"},
      {"loglik", "trafl-eval loglik --model models/tiny/base --prompt 'What is 2+3?' --completion ' 5'"},
      {"init-model", "trafl-eval init-model --config examples/tiny.json --out models/random --tiny-tokenizer"},
      {"generate",
       "trafl-eval generate --model models/tiny/base --prompt 'What is 2+3?' --gen-length 32 --n 4 --temperature 1"},
      {"train",
       "trafl-eval train --method trafl --model models/tiny/base --task gsm8k --data tasks/math/train.jsonl --out models/trafl "
       "--steps 50"},
      {"diagnose", "trafl-eval diagnose --db results/study.db --baseline base --out results/diagnostics"},
      {"report", "trafl-eval report --db results/study.db --baseline base --out results/report"},
      {"sample",
       "trafl-eval sample --model base=models/tiny/base --task gsm8k --data tasks/math/test.jsonl --n 64 --gen-length 32,48 "
       "--db results/study.db"},
      {"merge", "trafl-eval merge shard0.db shard1.db --out results/study.db"},
      {"export", "trafl-eval export --db results/study.db --format jsonl --out results/export"},
  };
  return kExamples;
}

}  // namespace

bool quiet() { return g_quiet; }

void note(const std::string& text) {
  if (!g_quiet) std::fprintf(stderr, "note: %s\n", text.c_str());
}

void show_defaults(CLI::App& app) { app.option_defaults()->always_capture_default(); }

void add_conventions(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_option_no_throw("--quiet") == nullptr)
      sub->add_flag_callback(
          "-q,--quiet", [] { g_quiet = true; },
          "No progress lines and no notes on stderr (errors and warnings are always printed)");
    auto it = examples().find(sub->get_name());
    if (it == examples().end()) continue;  // the [cli] test names the command
    const std::string footer = sub->get_footer();
    sub->footer((footer.empty() ? "" : footer + "\n\n") + "Example:\n  " + it->second);
  }
}

int parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::RequiredError& e) {
    // CLI11 checks required options before it reports leftovers: an unknown flag would hide
    // behind "--model is required". Report the leftovers first.
    const auto extras = app.remaining(true);
    if (!extras.empty()) return app.exit(CLI::ExtrasError(extras));
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return -1;
}

}  // namespace trafl::cli
