#include "gateway/rcpt_stages.h"

#include "mail/client_text.h"
#include "mail/date.h"
#include "policy/callout.h"
#include "policy/greylist.h"
#include "policy/lists.h"
#include "policy/policy_cache.h"
#include "policy/recipient_validation.h"
#include "store/store.h"
#include "util/log.h"

#include <Poco/Exception.h>
#include <Poco/String.h>


namespace moat::gateway {
namespace {

using policy::CheckResult;

// spam@HOSTNAME learns as spam (true), ham@HOSTNAME as ham (false).
std::optional<bool> trainingClass(const mail::Address& rcpt, const std::string& hostname) {
    if (rcpt.domain_literal || Poco::icompare(rcpt.domain, hostname) != 0) return std::nullopt;
    if (Poco::icompare(rcpt.local, "spam") == 0) return true;
    if (Poco::icompare(rcpt.local, "ham") == 0) return false;
    return std::nullopt;
}

StageAnswer training(RcptContext& c) {
    auto spam = trainingClass(c.rcpt, c.services.hostname);
    if (!spam) {
        if (c.record.training)
            return StageAnswer::refuse(mail::reply(452, "4.5.3", c.shown + ": send mail to be learnt in a message of its own"));
        return StageAnswer::next();
    }
    if (!c.relay_client) {
        c.record.note("relay", CheckResult::reject, c.shown + ": a training address, and the client may not relay");
        return StageAnswer::refuse(
            mail::reply(550, "5.7.1", c.shown + ": training addresses take mail only from this gateway's own users"));
    }
    if (!c.tx.recipients.empty() || (c.record.training && *c.record.training != *spam))
        return StageAnswer::refuse(mail::reply(452, "4.5.3", c.shown + ": send mail to be learnt in a message of its own"));
    c.record.training = *spam;
    c.record.note("relay", CheckResult::pass, c.shown + ": training address");
    c.deliver = false;
    return StageAnswer::accept();
}

StageAnswer relay(RcptContext& c) {
    if (c.rcpt.localPartRoutes() && !c.relay_client) {
        c.record.note("relay", CheckResult::reject,
                      c.shown + ": routing characters in the local part from a client that may not relay");
        return StageAnswer::refuse(
            mail::reply(554, "5.7.1", c.shown + ": Relay access denied (routing characters in the local part)"));
    }
    if (!c.domain && !c.relay_client) {
        c.record.note("relay", CheckResult::reject, c.shown + ": not a protected domain and the client may not relay");
        return StageAnswer::refuse(mail::reply(554, "5.7.1", c.shown + ": Relay access denied"));
    }
    c.record.note("relay", CheckResult::pass, c.shown + (c.domain ? ": protected domain" : ": relay-authorised client"));
    return StageAnswer::next();
}

// A token address ("jane+tok-XXXXXXXX@ours") becomes the address it stands
// for, with the token reserved (unless this transaction holds it already):
// every later stage sees that address.
StageAnswer token(RcptContext& c) {
    if (!c.domain) return StageAnswer::next();
    auto address = policy::parseTokenLocalPart(c.rcpt.local);
    if (!address) return StageAnswer::next();
    auto note = [&](CheckResult result, const std::string& detail) {
        c.record.note("token", result, c.shown + ": " + detail);
    };
    policy::Tokens::Claim claim;
    try {
        claim = c.services.tokens.reserve(c.domain->id, *address);
    } catch (const Poco::Exception& e) {
        log::warning("smtpd: [" + c.dialogue.client_ip + "] token lookup failed: " + e.displayText());
        note(CheckResult::tempfail, "token store unavailable");
        return StageAnswer::refuse(
            mail::reply(451, "4.3.0", c.shown + ": temporary failure looking up the token address, try again later"));
    }
    bool held_here = false;
    for (const auto& t : c.record.tokens) held_here |= t.token() == address->token;
    if (claim.result == policy::Tokens::Claim::busy && !held_here) {
        note(CheckResult::tempfail, "token " + address->token + " is in use by another session");
        return StageAnswer::refuse(
            mail::reply(451, "4.7.1", c.shown + ": this token address is in use right now, try again later"));
    }
    if (claim.result == policy::Tokens::Claim::invalid) {
        note(CheckResult::reject, "token " + address->token + " unknown, expired or used");
        return StageAnswer::refuse(mail::reply(550, "5.7.1", c.shown + ": token address expired or already used"));
    }
    if (claim.result == policy::Tokens::Claim::ok) c.token = std::move(claim.reservation);
    auto parsed = mail::parseMailbox(claim.recipient, c.tx.smtputf8);
    if (!parsed) throw std::logic_error("token recipient '" + claim.recipient + "' does not parse");
    note(CheckResult::pass, "token " + address->token + " stands for " + mail::shownAddress(parsed->str()));
    c.rcpt = *parsed;
    c.shown = mail::shownAddress(c.rcpt.str());
    c.token_holder = true;
    return StageAnswer::next();
}

StageAnswer outbound(RcptContext& c) {
    return !c.domain || c.relay_client ? StageAnswer::accept() : StageAnswer::next();
}

StageAnswer passthrough(RcptContext& c) {
    auto pass = c.snapshot.lists->passthrough(c.domain->id, c.rcpt.str());
    if (!pass) return StageAnswer::next();
    c.services.list_hits.record(pass->id, store::nowSeconds());
    c.record.note("list", CheckResult::accept, c.shown + " accepts mail from anyone (" + pass->describe() + ")");
    c.record.content_exempt.insert(c.rcpt.str());
    return StageAnswer::accept();
}

StageAnswer lists(RcptContext& c) {
    auto match = c.snapshot.lists->senderList(c.domain->id, c.dialogue.peer, c.tx.sender.str());
    if (!match) return StageAnswer::next();
    c.services.list_hits.record(match->id, store::nowSeconds());
    if (match->denied()) {
        std::string who = match->kind == "client" ? "client [" + c.dialogue.client_ip + "]"
                                                  : "sender " + mail::shownAddress(c.tx.sender.str());
        std::string where = match->global() ? "the global deny list" : "the deny list of " + c.domain->name;
        c.record.note("list", CheckResult::reject, who + " is on " + where + " (" + match->describe() + ")");
        return StageAnswer::refuse(mail::reply(550, "5.7.1", "Message refused: " + who + " is on " + where));
    }
    c.record.note("list", CheckResult::pass, "on an allow list (" + match->describe() + "); spam checks skipped");
    c.record.content_exempt.insert(c.rcpt.str());
    c.allow_listed = true;
    return StageAnswer::next();
}

// Filtering off: no spam checks, greylisting or content scoring; validation and lists still apply.
StageAnswer filteringOff(RcptContext& c) {
    if (c.allow_listed || c.snapshot.settings.boolean("filtering.enabled", c.domain->name)) return StageAnswer::next();
    c.record.note("filtering", CheckResult::skip, c.shown + ": spam filtering is off for " + c.domain->name);
    c.record.content_exempt.insert(c.rcpt.str());
    c.filtering_off = true;
    return StageAnswer::next();
}

// Before validation: a listed client must not learn which recipients exist,
// nor be handed a token address.
StageAnswer smtpVerdict(RcptContext& c) {
    if (c.allow_listed || c.filtering_off) return StageAnswer::next();
    if (auto refusal = c.evidence.verdict(c.snapshot, *c.domain, c.record)) return StageAnswer::refuse(*refusal);
    return StageAnswer::next();
}

StageAnswer validation(RcptContext& c) {
    if (auto refusal = policy::validateRecipient(c.snapshot, *c.domain, c.rcpt, c.services.callout, c.record.checks))
        return StageAnswer::refuse(*refusal);
    return c.allow_listed ? StageAnswer::accept() : StageAnswer::next();
}

StageAnswer whitelistOnly(RcptContext& c) {
    const auto& settings = c.snapshot.settings;
    if (c.token_holder || !settings.boolean("whitelist_only.enabled", c.domain->name)) return StageAnswer::next();
    policy::Tokens::Issued issued;
    try {
        issued = c.services.tokens.issue(c.domain->id, c.rcpt.str(), c.tx.sender.str(),
                                         settings.integer("whitelist_only.token_ttl", c.domain->name));
    } catch (const Poco::Exception& e) {
        log::warning("smtpd: [" + c.dialogue.client_ip + "] cannot issue a token: " + e.displayText());
        c.record.note("whitelist_only", CheckResult::tempfail, "token store unavailable");
        return StageAnswer::refuse(
            mail::reply(451, "4.3.0", c.shown + " accepts mail only from approved senders; try again later"));
    }
    std::string token_address = policy::tokenLocalPart(c.rcpt.local, issued.token) + "@" + c.rcpt.domain;
    c.record.note("whitelist_only", CheckResult::reject,
                  "sender not on an allow list of " + c.domain->name + "; token " + issued.token + " given");
    return StageAnswer::refuse(mail::reply(
        550, "5.7.1",
        c.shown + " accepts mail only from approved senders; to reach " + mail::clientText(c.rcpt.local, 64) +
            " once, send to " + mail::clientText(token_address, 300) + " (valid until " + mail::isoDate(issued.expires) + ")"));
}

StageAnswer greylist(RcptContext& c) {
    const auto& settings = c.snapshot.settings;
    const auto& domain = c.domain->name;
    if (c.filtering_off || !settings.boolean("greylist.enabled", domain)) return StageAnswer::next();
    policy::GreylistSettings gs;
    gs.enabled = true;
    gs.delay = settings.seconds("greylist.delay", domain);
    gs.window = settings.seconds("greylist.window", domain);
    gs.remember = settings.seconds("greylist.remember", domain);
    gs.auto_whitelist_passes = static_cast<int>(settings.integer("greylist.auto_whitelist_passes", domain));
    auto result = c.services.greylist.check(c.dialogue.peer, c.tx.sender.str(), c.rcpt.str(), gs);
    if (result.verdict == policy::Greylist::Result::defer) {
        c.record.note("greylist", CheckResult::tempfail, result.reason);
        return StageAnswer::refuse(mail::reply(451, "4.7.1", policy::Greylist::replyText(result.retry_after)));
    }
    c.record.note("greylist", CheckResult::pass, result.reason);
    return StageAnswer::next();
}

}  // namespace

const std::array<RcptStage, 11> kRcptStages = {{
    {"training", training},
    {"relay", relay},
    {"token", token},
    {"outbound", outbound},
    {"passthrough", passthrough},
    {"lists", lists},
    {"filtering_off", filteringOff},
    {"smtp_verdict", smtpVerdict},
    {"validation", validation},
    {"whitelist_only", whitelistOnly},
    {"greylist", greylist},
}};

smtp::RcptAnswer decideRecipient(RcptContext& ctx) {
    ctx.shown = mail::shownAddress(ctx.rcpt.str());
    ctx.domain = ctx.rcpt.domain_literal ? nullptr : ctx.snapshot.domain(ctx.rcpt.domain);
    for (const auto& stage : kRcptStages) {
        auto answer = stage.run(ctx);
        if (answer.kind == StageAnswer::Kind::refuse) return {std::move(answer.refusal), std::nullopt};
        if (answer.kind == StageAnswer::Kind::accept) break;
    }
    if (ctx.token) ctx.record.tokens.push_back(std::move(*ctx.token));
    smtp::RcptAnswer accepted;
    if (ctx.deliver) accepted.deliver_to = ctx.rcpt;
    return accepted;
}

}  // namespace moat::gateway
