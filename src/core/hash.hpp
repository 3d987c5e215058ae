#pragma once
#include <string>
#include <string_view>

namespace trafl {
// Hex SHA-256 of a file's bytes (throws InputError if unreadable). Runs record the hash of their
// data file so that results from different copies of "the same" benchmark are never mixed silently.
std::string sha256_file(const std::string& path);
std::string sha256_hex(std::string_view bytes);
}  // namespace trafl
