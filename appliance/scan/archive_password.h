// Finds which candidate password opens an encrypted archive entry. Each is
// tried in a reader of its own holding only that passphrase, and counts only
// when the entry then reads to its end without error (CRC or authentication
// code checked): the traditional zip check lets about one wrong password in
// 256 through. Bounded by the candidates given, a deadline and a byte limit.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moat::scan {

struct PasswordSearch {
    enum class Outcome { found, not_found, timed_out };
    Outcome outcome = Outcome::not_found;
    std::string password;  // when found
    std::size_t tried = 0;
};

// entry_index counts the archive's headers from 0; the entry must be one
// libarchive can decrypt (see canDecrypt). Reading stops after max_bytes of
// the entry, which then counts as opened.
PasswordSearch findArchivePassword(std::string_view data, std::size_t entry_index,
                                   const std::vector<std::string>& candidates,
                                   std::chrono::steady_clock::time_point deadline,
                                   std::size_t max_bytes);

}  // namespace moat::scan
