// The Jinja chat-template renderer (src/tokenizer/jinja_*) against Hugging Face's own JavaScript renderer: every golden in
// tests/fixtures/chat_templates/goldens.json (made by tests/reference/make-jinja-goldens with @huggingface/jinja)
// must come out byte for byte; constructs outside the subset must be errors naming the construct and position;
// --chat must use the checkpoint's template when the model folder has one.
#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "tokenizer/jinja_checkpoint.hpp"
#include "tokenizer/jinja_template.hpp"
#include "tokenizer/jinja_error.hpp"
#include "core/error.hpp"
#include "support.hpp"
#include "tokenizer/chat_format.hpp"
#include "tokenizer/tokenizer.hpp"

using namespace trafl;
using trafl::test::TempDir;

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(TRAFL_SOURCE_DIR) / "tests/fixtures/chat_templates";

nlohmann::json load(const std::filesystem::path& p) { return nlohmann::json::parse(test::read_file(p.string())); }

chat::Value token(const nlohmann::json& j) {
  return j.is_string() ? chat::Value::string(j.get<std::string>()) : chat::Value();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("chat templates render every @huggingface/jinja golden byte for byte", "[chat]") {
  const nlohmann::json goldens = load(kFixtures / "goldens.json");
  std::map<std::string, nlohmann::json> templates, conversations, constructs;
  for (const auto& e : std::filesystem::directory_iterator(kFixtures / "templates")) {
    nlohmann::json t = load(e.path());
    templates[t.at("name").get<std::string>()] = t;
  }
  const nlohmann::json conversation_file = load(kFixtures / "conversations.json");
  const nlohmann::json construct_file = load(kFixtures / "constructs.json");
  for (const auto& c : conversation_file.at("conversations")) conversations[c.at("name")] = c;
  for (const auto& c : construct_file.at("constructs")) constructs[c.at("name")] = c;

  int conversation_cases = 0, conversation_identical = 0, construct_cases = 0, construct_identical = 0;
  for (const auto& g : goldens.at("cases")) {
    const std::string kind = g.at("kind"), name = g.at("template"), input = g.at("input");
    INFO(kind << " " << name << " × " << input);
    std::string text;
    chat::Value context;
    if (kind == "conversation") {
      const nlohmann::json& t = templates.at(name);
      const nlohmann::json& c = conversations.at(input);
      std::vector<chat::Turn> turns;
      for (const auto& m : c.at("messages")) turns.push_back({m.at("role"), m.at("content")});
      // The context production code builds (tok::render_chat), not one made for the test.
      context =
          chat::chat_context(turns, c.at("add_generation_prompt"), token(t.at("bos_token")), token(t.at("eos_token")));
      text = t.at("chat_template");
      ++conversation_cases;
    } else {
      text = constructs.at(name).at("template");
      context = chat::Value::from_json(constructs.at(name).at("context"));
      ++construct_cases;
    }
    const chat::Template tmpl(text, name);
    if (g.contains("error")) {
      // The reference raised: so must we, with its message (raise_exception's text) inside ours.
      const std::string err = error_of([&] { tmpl.render(context); });
      CHECK_THAT(err, Catch::Contains(g.at("error").get<std::string>()));
      CHECK_THROWS_AS(tmpl.render(context), chat::TemplateError);
      if (err.find(g.at("error").get<std::string>()) != std::string::npos)
        ++(kind == "conversation" ? conversation_identical : construct_identical);
      continue;
    }
    const std::string got = tmpl.render(context);
    CHECK(got == g.at("rendered").get<std::string>());
    if (got == g.at("rendered").get<std::string>())
      ++(kind == "conversation" ? conversation_identical : construct_identical);
  }
  // 4 real templates × 16 conversations, 24 construct templates (the figures the closing note reports).
  CHECK(conversation_cases == static_cast<int>(templates.size() * conversations.size()));
  CHECK(conversation_cases == 64);
  CHECK(construct_cases == 24);
  WARN("jinja conformance: " << conversation_identical << "/" << conversation_cases
                             << " template x conversation renders and " << construct_identical << "/" << construct_cases
                             << " construct renders identical to " << goldens.at("generator").get<std::string>());
  CHECK(conversation_identical == conversation_cases);
  CHECK(construct_identical == construct_cases);
}

TEST_CASE("LLaDA's published template and the built-in one render the same text", "[chat]") {
  const nlohmann::json t = load(kFixtures / "templates" / "llada.json");
  const chat::Template tmpl(t.at("chat_template"), "llada");
  const nlohmann::json conversation_file = load(kFixtures / "conversations.json");
  for (const auto& c : conversation_file.at("conversations")) {
    INFO(c.at("name").get<std::string>());
    std::vector<chat::Turn> turns;
    std::vector<tok::ChatMessage> messages;
    for (const auto& m : c.at("messages")) {
      turns.push_back({m.at("role"), m.at("content")});
      messages.push_back({m.at("role"), m.at("content")});
    }
    CHECK(tmpl.render(chat::chat_context(turns, c.at("add_generation_prompt"), token(t.at("bos_token")), {})) ==
          tok::render_llada_chat(messages));
  }
}

TEST_CASE("a construct outside the rendered subset is an error naming it and its position", "[chat]") {
  const chat::Value ctx = chat::Value::from_json({{"x", "v"}, {"xs", {1, 2}}});
  struct Case {
    const char* text;
    const char* names;
    const char* where;
  };
  const Case cases[] = {
      {"ab{% macro f() %}x{% endmacro %}", "unsupported statement `{% macro %}`", "line 1, column 6"},
      {"a\n  {{ x | wordcount }}", "unsupported filter 'wordcount'", "line 2, column 10"},
      {"{{ 4 is divisibleby(2) }}", "unsupported test 'is divisibleby'", "line 1, column 9"},
      {"{{ x.zfill(3) }}", "unsupported method 'zfill' of a string", "line 1, column 6"},
      {"{% set y %}v{% endset %}", "block `{% set name %}", "line 1, column 4"},
      {"{% for i in xs %}{% else %}{% endfor %}", "{% for %}...{% else %}", "line 1, column 21"},
      {"{% for i in xs if i %}{% endfor %}", "filtered loop", "line 1, column 16"},
      {"{% if x %}never closed", "is never closed by `{% endif %}`", "line 1, column 4"},
      {"{{ strftime_now('%Y') }}", "unsupported function 'strftime_now'", "line 1, column 4"},
      {"{% generation %}x{% endgeneration %}", "unsupported statement `{% generation %}`", "line 1, column 4"},
      {"{% for i in xs %}{% break %}{% endfor %}", "unsupported statement `{% break %}`", "line 1, column 21"},
      {"{{ xs }}", "printing a list directly", "line 1, column 4"},
      {"{{ 'a' + 1 }}", "unsupported operation: string + int", "line 1, column 8"},
      {"{{ 1 < 2 < 3 }}", "chained comparison", "line 1, column 10"},
      {"{{ x @ 1 }}", "unexpected character '@'", "line 1, column 6"},
      {"{{ 'a\\q' }}", "unsupported escape", "line 1, column 6"},
      {"{{ undefined_thing.attr }}", "attribute 'attr' of an undefined value", "line 1, column 20"},
      {"{% set x.y = 1 %}", "needs x to be a namespace()", "line 1, column 4"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    std::string err;
    try {
      chat::Template(c.text, "model/tokenizer_config.json").render(ctx);
    } catch (const chat::TemplateError& e) {
      err = e.what();
    }
    CHECK_THAT(err, Catch::Contains(c.names));
    CHECK_THAT(err, Catch::Contains(c.where));
    CHECK_THAT(err, Catch::StartsWith("model/tokenizer_config.json: field 'chat_template': "));
  }
}

TEST_CASE("Python semantics where @huggingface/jinja departs from transformers' Jinja", "[chat]") {
  // These inputs are kept out of the goldens because the JavaScript renderer differs from Python Jinja, which
  // is what trained and serves the models: strip(chars) honours its argument, None/True print as Python does.
  const chat::Value ctx = chat::Value::from_json({{"s", "\n  x\n"}, {"n", nullptr}, {"b", true}});
  CHECK(chat::Template("[{{ s.lstrip('\\n') }}]", "t").render(ctx) == "[  x\n]");
  CHECK(chat::Template("[{{ s.rstrip('\\n') }}]", "t").render(ctx) == "[\n  x]");
  CHECK(chat::Template("{{ n }} {{ b }} {{ 1.0 }}", "t").render(ctx) == "None True 1.0");
  CHECK(chat::Template("{{ 'ǅ' | length }} {{ '🚀é'[1] }}", "t").render(ctx) == "1 é");  // code points, not UTF-16
}

TEST_CASE("a checkpoint's template is found where transformers looks for it", "[chat]") {
  TempDir dir;
  CHECK_FALSE(chat::find_checkpoint_template(dir.path().string()));
  test::write_file(dir.file("tokenizer_config.json"), R"({"bos_token": {"content": "<s>"}, "eos_token": null})");
  CHECK_FALSE(chat::find_checkpoint_template(dir.path().string()));  // no chat_template: the built-in is used

  test::write_file(dir.file("tokenizer_config.json"),
                   R"({"bos_token": "<s>", "eos_token": "</s>", "chat_template": "{{ bos_token }}T"})");
  auto t = chat::find_checkpoint_template(dir.path().string());
  REQUIRE(t);
  CHECK(t->text == "{{ bos_token }}T");
  CHECK(t->bos_token.as_string() == "<s>");
  CHECK(t->eos_token.as_string() == "</s>");
  CHECK_THAT(t->describe(), Catch::StartsWith(dir.file("tokenizer_config.json") + " sha256:"));

  test::write_file(
      dir.file("tokenizer_config.json"),
      R"({"chat_template": [{"name": "tool_use", "template": "A"}, {"name": "default", "template": "B"}]})");
  CHECK(chat::find_checkpoint_template(dir.path().string())->text == "B");
  test::write_file(dir.file("tokenizer_config.json"), R"({"chat_template": [{"name": "tool_use", "template": "A"}]})");
  CHECK_THAT(error_of([&] { chat::find_checkpoint_template(dir.path().string()); }),
             Catch::Contains("none named \"default\"") && Catch::Contains("tool_use"));
  test::write_file(dir.file("tokenizer_config.json"), R"({"chat_template": 7})");
  CHECK_THROWS_AS(chat::find_checkpoint_template(dir.path().string()), InputError);
  test::write_file(dir.file("tokenizer_config.json"), R"({"chat_template": )");
  CHECK_THROWS_AS(chat::find_checkpoint_template(dir.path().string()), InputError);

  // chat_template.jinja wins over the config's key (transformers >= 4.43 saves it there).
  test::write_file(dir.file("tokenizer_config.json"), R"({"bos_token": "<s>", "chat_template": "config"})");
  test::write_file(dir.file("chat_template.jinja"), "{{ bos_token }}jinja file\n");
  t = chat::find_checkpoint_template(dir.path().string());
  CHECK(t->origin == dir.file("chat_template.jinja"));
  CHECK(chat::Template(t->text, t->origin).render(chat::chat_context({}, true, t->bos_token, t->eos_token)) ==
        "<s>jinja file");
}

TEST_CASE("chat: --chat uses the checkpoint's template, the built-in LLaDA one only without it", "[chat]") {
  TempDir dir;
  tok::TinyTokenizerOptions o;
  o.corpus = "hello world";
  const tok::Tokenizer t = tok::write_tiny_tokenizer(dir.file("tokenizer.json"), o);
  // No template in the folder: the built-in one, recorded as such.
  CHECK(tok::chat_format_of(t)->description == tok::kBuiltinChatTemplate);
  CHECK(tok::render_chat(t, {{"user", "Hi"}}) == tok::render_llada_chat({{"user", "Hi"}}));

  // A checkpoint template: used, and recorded by file and hash; a changed file is picked up.
  test::write_file(
      dir.file("tokenizer_config.json"),
      R"({"bos_token": "<|startoftext|>", "chat_template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}"})");
  CHECK(tok::render_chat(t, {{"user", "Hi"}}) == "<|startoftext|>[user]Hi[assistant]");
  CHECK_THAT(tok::chat_format_of(t)->description, Catch::Contains("tokenizer_config.json sha256:"));
  const auto ids = tok::encode_chat(t, {{"user", "Hi"}});
  CHECK(ids.front() == t.token_to_id("<|startoftext|>").value());  // the template's BOS, not a second one
  CHECK(t.decode(ids) == "<|startoftext|>[user]Hi[assistant]");

  const auto cli = test::run_cli("tokenize --tokenizer " + dir.file("tokenizer.json") + " --chat --text Hi --json");
  CHECK(cli.exit_code == 0);
  CHECK_THAT(cli.out, Catch::Contains("[user]Hi[assistant]"));

  // A template we cannot render fails when the format is loaded, naming file, line and column.
  test::write_file(dir.file("chat_template.jinja"), "ok\n{% macro m() %}{% endmacro %}");
  CHECK_THAT(error_of([&] { tok::load_chat_format(dir.path().string()); }),
             Catch::Contains("chat_template.jinja: field 'chat_template': line 2, column 4: unsupported statement"));
}

TEST_CASE("chat: the end of an assistant turn is read off the template", "[chat]") {
  TempDir dir;
  tok::TinyTokenizerOptions o;
  o.corpus = "hello";
  const tok::Tokenizer t = tok::write_tiny_tokenizer(dir.file("tokenizer.json"), o);
  CHECK(tok::chat_turn_end(t) == "<|eot_id|>");  // the built-in LLaDA template
  // ChatML (Qwen, Dream): the turn ends with <|im_end|> and a newline.
  test::write_file(dir.file("chat_template.jinja"),
                   "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                   "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
  CHECK(tok::chat_turn_end(t) == "<|im_end|>\n");
  // A template that never shows the assistant's content cannot say where its turn ends.
  test::write_file(dir.file("chat_template.jinja"),
                   "{% for m in messages %}{% if m.role == 'user' %}{{ m.content }}{% endif %}{% endfor %}");
  CHECK_THAT(error_of([&] { tok::chat_turn_end(t); }), Catch::Contains("cannot tell where an assistant turn ends"));
}

TEST_CASE("chat: --chat without a checkpoint template needs LLaDA's chat tokens", "[chat]") {
  TempDir dir;
  tok::TinyTokenizerOptions o;
  o.corpus = "hello";
  o.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};  // a Qwen/Dream-shaped vocabulary
  const tok::Tokenizer t = tok::write_tiny_tokenizer(dir.file("tokenizer.json"), o);
  CHECK_THAT(error_of([&] {
               tok::render_chat(t, {{"user", "Hi"}});
             }),
             Catch::Contains("no chat template") && Catch::Contains("<|start_header_id|>"));
}
