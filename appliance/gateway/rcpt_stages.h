// The gateway's decision about one RCPT, as an ordered table of stages. Each
// stage looks at the recipient with one policy snapshot (taken once per
// command) and answers next, accept or refuse; the first accept or refusal
// decides, and a recipient that passes every stage is accepted. Stages
// record what they decided in the transaction's check records.
//
//   training        spam@ / ham@ of this gateway: learnt, only from our users
//   relay           a protected domain, or a client allowed to relay
//   token           a token address becomes the address it stands for
//   outbound        mail from a relay-authorised client skips the inbound policy
//   passthrough     a recipient that takes mail from anyone
//   lists           the sender or client on a deny (refuse) or allow list
//   filtering_off   spam filtering off for the domain
//   smtp_verdict    the SMTP-time checks (DNS, bot behaviour) and their score
//   validation      the recipient exists (valid addresses, callout)
//   whitelist_only  only approved senders; others get a token address
//   greylist        a first-time triplet is deferred
#pragma once

#include "gateway/client_evidence.h"
#include "gateway/transaction_record.h"
#include "mail/address.h"
#include "policy/tokens.h"
#include "smtp/session_handler.h"
#include "store/domains.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace moat::policy {
struct PolicySnapshot;
class Callout;
class Greylist;
class ListHits;
}  // namespace moat::policy

namespace moat::gateway {

// What the stages use besides the snapshot (a part of GatewayServices).
struct RcptServices {
    const std::string& hostname;  // [smtp] hostname: spam@/ham@ of it are training addresses
    policy::Tokens& tokens;
    policy::ListHits& list_hits;
    policy::Callout& callout;
    policy::Greylist& greylist;
};

struct RcptContext {
    const policy::PolicySnapshot& snapshot;
    RcptServices services;
    const smtp::Dialogue& dialogue;
    const smtp::Transaction& tx;
    TransactionRecord& record;
    ClientEvidence& evidence;
    bool relay_client;                      // this transaction's client may relay
    mail::Address rcpt;                     // as given, then as a token resolves it
    std::string shown;                      // "<rcpt>" for replies and records
    const store::Domain* domain = nullptr;  // the protected domain; null when not ours
    bool deliver = true;                    // false: accepted but not a recipient (training)
    bool token_holder = false;              // given as a valid token address
    std::optional<policy::Tokens::Reservation> token;
    bool allow_listed = false;  // an allow list entry: spam checks skipped
    bool filtering_off = false; // the domain's spam filtering is off
};

struct StageAnswer {
    enum class Kind { next, accept, refuse };
    Kind kind = Kind::next;
    std::optional<mail::Reply> refusal;

    static StageAnswer next() { return {}; }
    static StageAnswer accept() { return {Kind::accept, std::nullopt}; }
    static StageAnswer refuse(mail::Reply r) { return {Kind::refuse, std::move(r)}; }
};

struct RcptStage {
    std::string_view name;
    StageAnswer (*run)(RcptContext&);
};

extern const std::array<RcptStage, 11> kRcptStages;

// Runs the stages in order. Accepted: a held token reservation moves into
// the record, and the answer names the address to deliver to.
smtp::RcptAnswer decideRecipient(RcptContext& ctx);

}  // namespace moat::gateway
