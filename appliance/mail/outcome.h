// What became of a message, as the message log, the archive, the dashboard
// and the console name it. One enum, its wire names and labels defined once;
// parsed once at the edge (an SQL row, a query parameter), and handed to the
// console by GET /api/v1/vocabulary so the pages never repeat the list.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace moat::mail {

enum class Outcome {
    accepted,    // relayed (or queued) unchanged
    tagged,      // relayed with the spam tag
    rejected,    // refused (5xx) at RCPT or after DATA
    tempfailed,  // deferred (4xx); the client retries
    virus,       // refused for a virus or a blocked attachment
    learnt,      // a training message, learnt and not relayed
    aborted,     // the client went away before the end of DATA
};

struct OutcomeInfo {
    Outcome outcome;
    std::string_view name;   // in the store, the API and query parameters
    std::string_view label;  // for people
    bool archived;           // kept in the archive when its content was received
    bool charted;            // a series on the dashboard
};

inline constexpr std::array<OutcomeInfo, 7> kOutcomes = {{
    {Outcome::accepted, "accepted", "Accepted", true, true},
    {Outcome::tagged, "tagged", "Tagged", true, true},
    {Outcome::rejected, "rejected", "Rejected", true, true},
    {Outcome::tempfailed, "tempfailed", "Temporarily failed", false, true},
    {Outcome::virus, "virus", "Virus", true, true},
    {Outcome::learnt, "learnt", "Learnt", false, false},
    {Outcome::aborted, "aborted", "Aborted", false, false},
}};

constexpr const OutcomeInfo& info(Outcome o) {
    return kOutcomes[static_cast<std::size_t>(o)];
}
constexpr std::string_view name(Outcome o) {
    return info(o).name;
}

constexpr std::optional<Outcome> parseOutcome(std::string_view text) {
    for (const auto& i : kOutcomes)
        if (i.name == text) return i.outcome;
    return std::nullopt;
}

// "accepted, tagged, rejected or virus": the names of those selected, for error messages.
template <typename Pred>
std::string outcomeNames(Pred selected) {
    std::string out;
    std::size_t n = 0, total = 0;
    for (const auto& i : kOutcomes) total += selected(i) ? 1 : 0;
    for (const auto& i : kOutcomes) {
        if (!selected(i)) continue;
        if (n)
            out += ++n == total ? " or " : ", ";
        else
            ++n;
        out += i.name;
    }
    return out;
}

}  // namespace moat::mail
