#pragma once
// Few-shot prompts, built the way lm-eval-harness builds them (lm_eval/api/samplers.py, ContextSampler):
//
//   prompt = Σ over exemplars ( doc_to_text(exemplar) + target_delimiter " " + target + fewshot_delimiter "\n\n" )
//            + doc_to_text(problem)
//
// where doc_to_text is the task's own prompt and the target the exemplar's worked answer (GSM8K: the whole
// `answer`, as gsm8k.yaml's doc_to_target "{{answer}}"). Two sources of exemplars:
//   * a split (--fewshot-data, default the train file next to --data: test.jsonl -> train.jsonl), read by the
//     task's own loader; per problem, in file order, one random.Random(seed) (seed default 1234, lm-eval's
//     fewshot_random_seed) draws sample(split, K) — K+1 when the split is the data file itself, the problem
//     then being dropped from its own exemplars — exactly lm-eval's draws for the same files and seed (lm-eval run
//     as one process: with --limit the same prefix; its data-parallel ranks each draw for their own docs);
//   * a fixed file (--fewshot-file, JSONL with `question` and `answer`), its first K exemplars for every
//     problem, in the file's order (lm-eval's first_n sampler, as Minerva's 4-shot prompt is used).
// Draws run over the whole file before --limit/--shard select problems, so a shard's prompts are the
// whole run's prompts. prompt_identity() (K, seed, source, sha256 of the exemplars' file) is part of every
// run's identity: a resume with other few-shot settings is another run, or refused under the same name.
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/task.hpp"

namespace trafl {

struct Exemplar {
  std::string question, answer;
};

// A fixed exemplar file: JSONL, one object per line with non-blank string fields `question` and
// `answer`; InputError naming file, line and field otherwise, or for a file without exemplars.
std::vector<Exemplar> read_exemplar_file(const std::string& path);

// The split a task's exemplars are drawn from when --fewshot-data is not given: the data file's name
// with its last "test" replaced by "train" (".../gsm8k/test.jsonl" -> ".../gsm8k/train.jsonl").
// UsageError naming both paths when there is no such file.
std::string default_fewshot_split(const std::string& data_path);

// Wraps `inner` (a math task) so that load() prepends exemplars to every prompt. UsageError for
// settings that contradict each other (a seed with a fixed file, K without a source, ...).
std::unique_ptr<Task> with_fewshot(std::unique_ptr<Task> inner, const FewShotOptions& options);

}  // namespace trafl
