#pragma once
// The Python driver of the asserts harness (HumanEval/MBPP), split in two processes so that the
// candidate can neither learn the run's secret nor write its result channel
// (docs/sandbox-threat-model.md):
//   judge  (the sandboxed program itself): reads tests.json and the sources, makes itself
//          non-dumpable, forks the worker, and only then reads the nonce from stdin. It runs the
//          trusted prelude and test snippets, never candidate code, and alone writes the
//          nonce-tagged records to stdout: TRAFL-TEST <nonce> i status wall_ms cpu_ms "why",
//          TRAFL-LOAD (the program failed to load), TRAFL-SETUP (the harness itself failed),
//          TRAFL-DONE.
//   worker (forked before the nonce exists): stdin/stdout /dev/null, every fd but stderr and two
//          pipes closed; runs prelude + candidate + setup and then serves calls. Every name the
//          candidate defines reaches the judge as a handle; calling it (or iterating, len, [],
//          attributes) is a request over the pipe, and what comes back is plain data (JSON:
//          numbers, strings, lists, tuples, dicts, sets, bytes, complex, range) or another handle.
//          Lists, dicts and sets passed in are sent back and updated in place (in-place sorts).
// A test passes only when its snippet runs to the end in the judge; the worker's only power is
// over the values its functions return, which is what the tests judge. Test status "died" means
// the worker ended during the test (exit, kill, OOM); the parent maps it with the run's verdict.
namespace trafl::codegrade {

// The driver's source, to run after the common driver head (which defines _read, os, sys, builtins).
const char* assert_driver_source();

}  // namespace trafl::codegrade
