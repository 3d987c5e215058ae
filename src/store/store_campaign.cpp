// Store members for campaigns and for reading a run's samples back (schema v3).
#include <fmt/format.h>

#include "core/error.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace trafl {

namespace {

std::vector<std::int32_t> decode_tokens(const std::string& blob) {
  std::vector<std::int32_t> ids(blob.size() / 4);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::uint32_t v = 0;
    for (int b = 0; b < 4; ++b) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(blob[i * 4 + b])) << (8 * b);
    ids[i] = static_cast<std::int32_t>(v);
  }
  return ids;
}

}  // namespace

std::vector<std::pair<std::string, std::int64_t>> Store::sample_keys(std::int64_t run_id) const {
  sql::Stmt q(db_, path_,
              "SELECT p.problem_id, s.sample_index FROM samples s JOIN problems p ON p.id = s.problem_ref "
              "WHERE s.run_id = ?1");
  q.bind(1, run_id);
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (q.step()) out.emplace_back(q.col_text(0), q.col_int(1));
  return out;
}

std::vector<SampleRow> Store::samples(std::int64_t run_id) const {
  sql::Stmt q(db_, path_,
              "SELECT p.problem_id, s.sample_index, s.completion, s.token_ids, s.trajectory FROM samples s "
              "JOIN problems p ON p.id = s.problem_ref WHERE s.run_id = ?1 ORDER BY p.problem_id, s.sample_index");
  q.bind(1, run_id);
  std::vector<SampleRow> out;
  while (q.step()) {
    SampleRow r;
    r.problem_id = q.col_text(0);
    r.sample_index = q.col_int(1);
    r.completion = q.col_text(2);
    if (!q.col_null(3)) r.token_ids = decode_tokens(q.col_blob(3));
    if (!q.col_null(4)) r.trajectory = q.col_blob(4);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<CampaignRecord> Store::campaign(const std::string& name) const {
  CampaignRecord rec;
  {
    sql::Stmt q(db_, path_, "SELECT name, identity, created_at FROM campaigns WHERE name = ?1");
    q.bind(1, name);
    if (!q.step()) return std::nullopt;
    rec.name = q.col_text(0);
    rec.identity = nlohmann::json::parse(q.col_text(1), nullptr, false);
    if (rec.identity.is_discarded())
      throw InputError(path_, 0, "campaigns.identity",
                       fmt::format("campaign '{}' has an identity that is not JSON", name));
    rec.created_at = q.col_text(2);
  }
  {
    sql::Stmt q(db_, path_,
                "SELECT shard, shard_count FROM campaign_shards WHERE campaign = ?1 ORDER BY shard_count, shard");
    q.bind(1, name);
    while (q.step()) rec.shards.emplace_back(q.col_int(0), q.col_int(1));
  }
  {
    sql::Stmt q(db_, path_, "SELECT run_id FROM campaign_runs WHERE campaign = ?1 ORDER BY run_id");
    q.bind(1, name);
    while (q.step()) rec.run_ids.push_back(q.col_int(0));
  }
  return rec;
}

std::vector<CampaignRecord> Store::campaigns() const {
  std::vector<std::string> names;
  {
    sql::Stmt q(db_, path_, "SELECT name FROM campaigns ORDER BY name");
    while (q.step()) names.push_back(q.col_text(0));
  }
  std::vector<CampaignRecord> out;
  for (const auto& n : names) out.push_back(*campaign(n));
  return out;
}

void Store::put_campaign(const std::string& name, const nlohmann::json& identity, std::int64_t shard,
                         std::int64_t shard_count, const std::vector<std::int64_t>& run_ids) {
  sql::Transaction tx(db_, path_);
  {
    sql::Stmt q(db_, path_,
                "INSERT OR IGNORE INTO campaigns(name, identity, created_at) "
                "VALUES(?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
    q.bind(1, name).bind(2, identity.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    q.run();
  }
  {
    sql::Stmt q(db_, path_, "INSERT OR IGNORE INTO campaign_shards(campaign, shard, shard_count) VALUES(?1, ?2, ?3)");
    q.bind(1, name).bind(2, shard).bind(3, shard_count);
    q.run();
  }
  {
    sql::Stmt q(db_, path_, "INSERT OR IGNORE INTO campaign_runs(campaign, run_id) VALUES(?1, ?2)");
    for (std::int64_t id : run_ids) {
      q.bind(1, name).bind(2, id);
      q.run();
      q.reset();
    }
  }
  tx.commit();
}

}  // namespace trafl
