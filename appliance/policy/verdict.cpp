#include "policy/verdict.h"

#include <cstdio>

namespace moat::policy {

Action parseAction(std::string_view text) {
    if (text == "score") return Action::score;
    if (text == "tempfail") return Action::tempfail;
    if (text == "reject") return Action::reject;
    return Action::off;
}

namespace {

std::string number(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", d);
    return buf;
}

}  // namespace

Evaluation evaluate(const std::vector<Finding>& findings, const Settings& settings, std::string_view domain) {
    Evaluation out;
    std::string parts;
    for (const auto& f : findings) {
        Action action = parseAction(settings.get(SettingKey::named(f.check + ".action"), domain));
        if (action == Action::off) {
            out.records.push_back({f.check, "skip", 0, "check is off: " + f.detail});
            continue;
        }
        if (f.state == Finding::State::clean) {
            out.records.push_back({f.check, "pass", 0, f.detail});
            continue;
        }
        if (f.state == Finding::State::dns_failure) {
            bool refuse = action == Action::reject || action == Action::tempfail;
            if (f.failure_reply && refuse) {
                out.records.push_back({f.check, "tempfail", 0, f.detail});
                if (!out.refusal) out.refusal = f.failure_reply;
            } else if (settings.get("dns.failure", domain) == "tempfail") {
                out.records.push_back({f.check, "tempfail", 0, f.detail});
                if (!out.refusal)
                    out.refusal = mail::reply(451, "4.4.3",
                                              "Temporary DNS failure during the " + f.check + " check; try again later");
            } else {
                out.records.push_back({f.check, "skip", 0, f.detail + " (DNS failure: check skipped)"});
            }
            continue;
        }
        switch (action) {
            case Action::reject:
                out.records.push_back({f.check, "reject", 0, f.detail});
                if (!out.refusal) out.refusal = f.refusal;
                break;
            case Action::tempfail:
                out.records.push_back({f.check, "tempfail", 0, f.detail});
                if (!out.refusal) out.refusal = mail::reply(451, "4.7.1", f.refusal.text);
                break;
            case Action::score: {
                double w = f.weight >= 0 ? f.weight : settings.number(SettingKey::named(f.check + ".weight"), domain);
                out.score += w;
                out.records.push_back({f.check, "score", w, f.detail});
                parts += (parts.empty() ? "" : ", ") + f.check + " +" + number(w);
                break;
            }
            case Action::off: break;
        }
    }
    double threshold = settings.number("score.reject", domain);
    if (!out.refusal && out.score > 0 && out.score >= threshold) {
        auto r = mail::reply(550, "5.7.1",
                             "Message refused: spam score " + number(out.score) + " reaches the limit of " +
                                 number(threshold) + " (" + parts + ")");
        out.records.push_back({"score", "reject", out.score, r.text});
        if (settings.get("score.reject_at", domain) == "data")
            out.after_data = std::move(r);
        else
            out.refusal = std::move(r);
    }
    return out;
}

}  // namespace moat::policy
