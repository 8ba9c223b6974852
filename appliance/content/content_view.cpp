#include "content/content_view.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "content/bayes_tokenizer.h"
#include "content/utf8.h"

namespace moat::content {
namespace {

constexpr std::string_view kMagic = "MOATVIEW2\n";
constexpr std::size_t kMaxAnomalyName = 64;

class Writer {
  public:
    void number(std::uint64_t v) {
        do {
            unsigned char byte = v & 0x7f;
            v >>= 7;
            out_.push_back(static_cast<char>(v ? byte | 0x80 : byte));
        } while (v);
    }
    void text(std::string_view s) {
        number(s.size());
        out_.append(s);
    }
    std::string& out() { return out_; }

  private:
    std::string out_;
};

// Every read checks what is left; the first failure sticks, so a caller
// reads a whole record and asks ok() once.
class Reader {
  public:
    explicit Reader(std::string_view in) : in_(in) {}
    std::uint64_t number() {
        std::uint64_t value = 0;
        for (int shift = 0; ok_; shift += 7) {
            if (pos_ >= in_.size() || shift > 63) break;
            auto byte = static_cast<unsigned char>(in_[pos_++]);
            std::uint64_t bits = byte & 0x7f;
            if (shift == 63 && bits > 1) break;
            value |= bits << shift;
            if (!(byte & 0x80)) return value;
        }
        ok_ = false;
        return 0;
    }
    std::size_t count(std::size_t max) {
        auto n = number();
        if (n > max) ok_ = false;
        return ok_ ? static_cast<std::size_t>(n) : 0;
    }
    std::string text(std::size_t max) {
        auto n = number();
        if (!ok_ || n > max || n > in_.size() - pos_) {
            ok_ = false;
            return {};
        }
        std::string s(in_.substr(pos_, static_cast<std::size_t>(n)));
        pos_ += static_cast<std::size_t>(n);
        return s;
    }
    std::string utf8(std::size_t max) {
        auto s = text(max);
        if (!isValidUtf8(s)) ok_ = false;
        return s;
    }
    bool flag() {
        auto v = number();
        if (v > 1) ok_ = false;
        return v == 1;
    }
    void fail() { ok_ = false; }
    bool ok() const { return ok_; }
    bool done() const { return ok_ && pos_ == in_.size(); }

  private:
    std::string_view in_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

bool anomalyName(std::string_view s) {
    if (s.empty() || s.size() > kMaxAnomalyName) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

}  // namespace

std::optional<std::string> encodeContentView(const DecodedMessage& m, bool raw_gtube) {
    Writer w;
    w.out().append(kMagic);
    w.number(raw_gtube ? 1 : 0);
    w.number(m.parts);
    w.number(m.depth);
    w.number(m.encoded_words);
    w.number(m.decoded_bytes);
    w.number(m.headers.size());
    for (const auto& h : m.headers) {
        w.text(h.name);
        w.text(h.value);
    }
    w.number(m.texts.size());
    for (const auto& t : m.texts) {
        w.text(t.content_type);
        w.text(t.charset);
        w.text(t.text);
        w.number(t.links.size());
        for (const auto& link : t.links) w.text(link);
        w.number(t.hidden_chars);
        w.number(t.html_element ? 1 : 0);
        w.number(t.depth);
        if (w.out().size() > kMaxContentViewBytes) return std::nullopt;
    }
    w.number(m.attachments.size());
    for (const auto& a : m.attachments) {
        w.text(a.filename);
        w.text(a.content_type);
        w.text(a.disposition);
        w.number(a.size);
        w.number(a.data_hash ? *a.data_hash : hashToken(a.data));
        w.number(a.truncated ? 1 : 0);
        w.number(a.depth);
    }
    w.number(m.anomalies.size());
    for (const auto& [name, count] : m.anomalies) {
        w.text(name);
        w.number(count);
    }
    if (w.out().size() > kMaxContentViewBytes) return std::nullopt;
    return std::move(w.out());
}

std::optional<ContentView> decodeContentView(std::string_view bytes) {
    if (bytes.size() > kMaxContentViewBytes || !bytes.starts_with(kMagic)) return std::nullopt;
    const DecodeLimits limits;
    Reader r(bytes.substr(kMagic.size()));
    ContentView view;
    auto& m = view.message;
    view.raw_gtube = r.flag();
    m.parts = r.count(limits.max_parts);
    m.depth = r.count(limits.max_depth);
    m.encoded_words = r.count(kMaxContentViewBytes);
    m.decoded_bytes = r.count(limits.max_decoded_bytes);
    std::size_t headers = r.count(limits.max_headers);
    for (std::size_t i = 0; i < headers && r.ok(); ++i) {
        Header h;
        h.name = r.text(limits.max_header_bytes);
        h.value = r.utf8(limits.max_header_bytes);
        m.headers.push_back(std::move(h));
    }
    std::size_t texts = r.count(limits.max_parts);
    std::size_t text_bytes = 0;
    for (std::size_t i = 0; i < texts && r.ok(); ++i) {
        TextPart t;
        t.content_type = r.text(limits.max_header_bytes);
        t.charset = r.text(limits.max_header_bytes);
        t.text = r.utf8(limits.max_text_bytes);
        text_bytes += t.text.size();
        std::size_t links = r.count(kMaxContentViewBytes);
        for (std::size_t k = 0; k < links && r.ok(); ++k) t.links.push_back(r.text(kMaxContentViewBytes));
        t.hidden_chars = r.count(limits.max_decoded_bytes);
        t.html_element = r.flag();
        t.depth = r.count(limits.max_depth);
        m.texts.push_back(std::move(t));
    }
    // The decoder stops adding text at max_text_bytes; a character may end past it.
    if (text_bytes > limits.max_text_bytes + 4 * m.texts.size()) r.fail();
    std::size_t attachments = r.count(limits.max_parts);
    for (std::size_t i = 0; i < attachments && r.ok(); ++i) {
        Attachment a;
        a.filename = r.text(limits.max_header_bytes);
        a.content_type = r.text(limits.max_header_bytes);
        a.disposition = r.text(limits.max_header_bytes);
        a.size = r.count(limits.max_decoded_bytes);
        a.data_hash = r.number();
        a.truncated = r.flag();
        a.depth = r.count(limits.max_depth);
        m.attachments.push_back(std::move(a));
    }
    if (m.texts.size() + m.attachments.size() > limits.max_parts) r.fail();
    std::size_t anomalies = r.count(kMaxAnomalyName * 4);
    for (std::size_t i = 0; i < anomalies && r.ok(); ++i) {
        auto name = r.text(kMaxAnomalyName);
        auto count = r.count(kMaxContentViewBytes + limits.max_decoded_bytes);
        if (!r.ok() || !anomalyName(name) || count == 0 || !m.anomalies.emplace(name, count).second)
            r.fail();
    }
    if (!r.done()) return std::nullopt;
    return view;
}

std::optional<ContentView> readContentView(int fd) {
    std::string bytes;
    char buf[64 << 10];
    for (;;) {
        ssize_t n = ::pread(fd, buf, sizeof(buf), static_cast<off_t>(bytes.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        bytes.append(buf, static_cast<std::size_t>(n));
        if (bytes.size() > kMaxContentViewBytes) return std::nullopt;
    }
    if (bytes.empty()) return std::nullopt;
    return decodeContentView(bytes);
}

}  // namespace moat::content
