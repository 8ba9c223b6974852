#include "policy/tokens.h"

#include <Poco/String.h>

#include "store/tokens.h"
#include "util/log.h"

namespace moat::policy {

Tokens::Tokens(const store::Store& store, std::function<long long()> clock)
    : store_(store), clock_(std::move(clock)) {}

Tokens::Issued Tokens::issue(long long domain_id, const std::string& recipient,
                             const std::string& sender, long long ttl) {
    long long now = clock_();
    auto session = store_.connect();
    if (auto row = store::findActiveToken(session, domain_id, recipient, sender, now))
        return {row->token, row->expires};
    store::TokenRow row{"", domain_id, recipient, sender, now, now + ttl, 0};
    // 40 bits: a collision is rare, and one more draw settles it.
    for (int attempt = 0; attempt < 8; ++attempt) {
        row.token = newToken();
        if (store::insertToken(session, row)) return {row.token, row.expires};
    }
    throw std::logic_error("tokens: eight random tokens in a row already existed");
}

Tokens::Claim Tokens::reserve(long long domain_id, const TokenLocalPart& address) {
    Claim claim;
    auto session = store_.connect();
    auto row = store::findToken(session, address.token);
    if (!row || row->domain_id != domain_id || row->used != 0 || row->expires <= clock_())
        return claim;
    auto at = row->recipient.rfind('@');
    if (at == std::string::npos || Poco::icompare(row->recipient.substr(0, at), address.base) != 0)
        return claim;
    claim.recipient = row->recipient;
    std::lock_guard lock(mutex_);
    if (!reserved_.insert(row->token).second) {
        claim.result = Claim::busy;
        return claim;
    }
    claim.result = Claim::ok;
    claim.reservation = Reservation(this, row->token);
    return claim;
}

std::size_t Tokens::purge() {
    auto session = store_.connect();
    return store::purgeExpiredTokens(session, clock_());
}

Tokens::Reservation& Tokens::Reservation::operator=(Reservation&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
        token_ = std::move(other.token_);
    }
    return *this;
}

void Tokens::Reservation::release() {
    if (!owner_) return;
    std::lock_guard lock(owner_->mutex_);
    owner_->reserved_.erase(token_);
    owner_ = nullptr;
}

bool Tokens::Reservation::spend() {
    if (!owner_) return false;
    try {
        auto session = owner_->store_.connect();
        bool spent = store::spendToken(session, token_, owner_->clock_());
        if (!spent) log::warning("tokens: " + token_ + " was revoked or spent while reserved");
        release();
        return spent;
    } catch (const Poco::Exception& e) {
        // Kept reserved: this process will not accept it again, though the store still could.
        log::warning("tokens: cannot mark " + token_ + " used: " + e.displayText());
        owner_ = nullptr;
        return false;
    }
}

}  // namespace moat::policy
