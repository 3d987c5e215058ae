// Renders every chat-template fixture with Hugging Face's own JavaScript Jinja renderer (@huggingface/jinja) and
// writes the goldens tests/test_chat_template.cpp compares our renderer with, byte for byte.
//   node jinja_goldens.mjs <module dir with @huggingface/jinja> <fixtures dir>
// Inputs (in the fixtures dir): templates/*.json (a checkpoint's chat_template, bos/eos, provenance),
// conversations.json (apply_chat_template inputs), constructs.json (one small template per construct).
// Output: goldens.json = {generator, cases: [{kind, template, input, rendered | error}]}. An exception is recorded
// as {"error": message}: the C++ test then expects a TemplateError.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [moduleDir, fixtures] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(moduleDir), "index.js"));
const { Template } = require("@huggingface/jinja");
const version = JSON.parse(
  fs.readFileSync(path.join(moduleDir, "node_modules", "@huggingface", "jinja", "package.json"), "utf8"),
).version;

function render(text, context) {
  try {
    return { rendered: new Template(text).render(context) };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
}

const cases = [];
const templateDir = path.join(fixtures, "templates");
const conversations = JSON.parse(fs.readFileSync(path.join(fixtures, "conversations.json"), "utf8")).conversations;
for (const file of fs.readdirSync(templateDir).filter((f) => f.endsWith(".json")).sort()) {
  const t = JSON.parse(fs.readFileSync(path.join(templateDir, file), "utf8"));
  for (const c of conversations) {
    // What transformers' apply_chat_template passes: the messages, add_generation_prompt, the special tokens the
    // tokenizer has (a null one is left out), and tools=None.
    const context = { messages: c.messages, add_generation_prompt: c.add_generation_prompt, tools: null };
    if (t.bos_token !== null && t.bos_token !== undefined) context.bos_token = t.bos_token;
    if (t.eos_token !== null && t.eos_token !== undefined) context.eos_token = t.eos_token;
    cases.push({ kind: "conversation", template: t.name, input: c.name, ...render(t.chat_template, context) });
  }
}
const constructs = JSON.parse(fs.readFileSync(path.join(fixtures, "constructs.json"), "utf8")).constructs;
for (const c of constructs) cases.push({ kind: "construct", template: c.name, input: c.name, ...render(c.template, c.context) });

const out = { generator: `@huggingface/jinja ${version} on node ${process.version}`, cases };
fs.writeFileSync(path.join(fixtures, "goldens.json"), JSON.stringify(out, null, 1) + "\n");
const errors = cases.filter((c) => "error" in c).length;
console.log(`jinja goldens: ${cases.length} cases (${errors} expected errors) by ${out.generator}`);
