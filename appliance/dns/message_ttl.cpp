#include "dns/message_ttl.h"

#include <algorithm>
#include <cstddef>

namespace moat::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::uint16_t kTypeSoa = 6;

class Reader {
  public:
    explicit Reader(std::span<const unsigned char> bytes) : bytes_(bytes) {}

    bool ok() const { return ok_; }

    std::uint16_t u16() {
        if (!need(2)) return 0;
        std::uint16_t v = static_cast<std::uint16_t>(bytes_[pos_] << 8 | bytes_[pos_ + 1]);
        pos_ += 2;
        return v;
    }

    std::uint32_t u32() {
        std::uint32_t high = u16();
        return high << 16 | u16();
    }

    void skip(std::size_t n) {
        if (need(n)) pos_ += n;
    }

    // A name in the message: labels ending in the root, or in a compression
    // pointer (which ends the name as far as the walk is concerned).
    void skipName() {
        while (ok_) {
            if (!need(1)) return;
            std::uint8_t len = bytes_[pos_];
            if ((len & 0xc0) == 0xc0) {
                skip(2);
                return;
            }
            if ((len & 0xc0) != 0) {  // the reserved label types
                ok_ = false;
                return;
            }
            skip(1u + len);
            if (len == 0) return;
        }
    }

  private:
    bool need(std::size_t n) {
        if (!ok_ || bytes_.size() - pos_ < n) ok_ = false;
        return ok_;
    }

    std::span<const unsigned char> bytes_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

std::uint32_t effective(std::uint32_t ttl) {
    return ttl > 0x7fffffffu ? 0 : ttl;
}

}  // namespace

MessageTtls messageTtls(std::span<const unsigned char> message) {
    MessageTtls ttls;
    if (message.size() < kHeaderSize) return ttls;
    Reader r(message);
    r.skip(4);  // id, flags
    std::uint16_t qdcount = r.u16();
    std::uint16_t ancount = r.u16();
    std::uint16_t nscount = r.u16();
    r.skip(2);  // arcount
    for (std::uint16_t i = 0; i < qdcount && r.ok(); ++i) {
        r.skipName();
        r.skip(4);  // type, class
    }
    std::optional<std::uint32_t> answer;
    for (std::uint16_t i = 0; i < ancount && r.ok(); ++i) {
        r.skipName();
        r.skip(4);  // type, class
        std::uint32_t ttl = effective(r.u32());
        std::uint16_t rdlength = r.u16();
        r.skip(rdlength);
        if (r.ok()) answer = std::min(answer.value_or(ttl), ttl);
    }
    if (!r.ok()) return ttls;
    ttls.answer = answer;
    for (std::uint16_t i = 0; i < nscount && r.ok(); ++i) {
        r.skipName();
        std::uint16_t type = r.u16();
        r.skip(2);  // class
        std::uint32_t ttl = effective(r.u32());
        std::uint16_t rdlength = r.u16();
        if (type != kTypeSoa) {
            r.skip(rdlength);
            continue;
        }
        // MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM: the
        // MINIMUM is the last four bytes of the RDATA whatever the names.
        if (rdlength < 22) return ttls;
        r.skip(rdlength - 4u);
        std::uint32_t minimum = effective(r.u32());
        if (r.ok()) ttls.negative = std::min(ttl, minimum);
        return ttls;
    }
    return ttls;
}

}  // namespace moat::dns
