#include "web/totp.h"

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "store/second_factor.h"
#include "util/ascii_text.h"
#include "web/secrets.h"

namespace moat::web {
namespace {

void initOath() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (oath_init() != OATH_OK) throw std::runtime_error("liboath failed to initialise");
    });
}

std::string binary(const std::string& secret_hex) {
    std::string out(secret_hex.size() / 2 + 1, '\0');
    size_t length = out.size();
    if (oath_hex2bin(secret_hex.c_str(), out.data(), &length) != OATH_OK)
        throw std::runtime_error("a stored TOTP secret is damaged");
    out.resize(length);
    return out;
}

std::string codeAt(const std::string& secret, long long when) {
    char otp[16] = "";
    if (oath_totp_generate(secret.data(), secret.size(), static_cast<time_t>(when),
                           static_cast<unsigned>(kTotpStep), OATH_TOTP_DEFAULT_START_TIME, 6,
                           otp) != OATH_OK)
        throw std::runtime_error("liboath could not compute a TOTP code");
    return otp;
}

}  // namespace

std::optional<std::string> parseTotpCode(std::string_view text) {
    std::string digits;
    for (char c : text) {
        if (c == ' ') continue;
        if (c < '0' || c > '9' || digits.size() == 6) return std::nullopt;
        digits += c;
    }
    if (digits.size() != 6) return std::nullopt;
    return digits;
}

std::string newTotpSecret() {
    initSodium();
    unsigned char bytes[20];
    randombytes_buf(bytes, sizeof bytes);
    char hex[2 * sizeof bytes + 1];
    sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
    return hex;
}

std::string totpBase32(const std::string& secret_hex) {
    initOath();
    auto secret = binary(secret_hex);
    char* out = nullptr;
    size_t length = 0;
    if (oath_base32_encode(secret.data(), secret.size(), &out, &length) != OATH_OK)
        throw std::runtime_error("liboath could not encode a secret");
    std::unique_ptr<char, decltype(&std::free)> owned(out, &std::free);
    std::string encoded(out, length);
    while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
    return encoded;
}

std::string totpUri(const std::string& account, const std::string& secret_hex) {
    std::string label;
    for (unsigned char c : account) {
        bool plain = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
                     c == '-' || c == '.' || c == '_';
        if (plain) {
            label += static_cast<char>(c);
        } else {
            const char* hex = "0123456789ABCDEF";
            label += '%';
            label += hex[c >> 4];
            label += hex[c & 15];
        }
    }
    return "otpauth://totp/Moat:" + label + "?secret=" + totpBase32(secret_hex) +
           "&issuer=Moat&algorithm=SHA1&digits=6&period=30";
}

std::optional<long long> matchTotp(const std::string& secret_hex, std::string_view code,
                                   long long now) {
    initOath();
    auto parsed = parseTotpCode(code);
    if (!parsed || secret_hex.empty()) return std::nullopt;
    auto secret = binary(secret_hex);
    std::optional<long long> found;
    for (long long drift : {-1LL, 0LL, 1LL}) {  // all three compared: no early exit
        long long when = now + drift * kTotpStep;
        if (equalConstantTime(codeAt(secret, when), *parsed) && !found) found = when / kTotpStep;
    }
    return found;
}

std::string totpAt(const std::string& secret_hex, long long when) {
    initOath();
    return codeAt(binary(secret_hex), when);
}

std::vector<std::string> newRecoveryCodes(int count) {
    initSodium();
    static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";  // no 0/o, 1/l/i
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
        std::string code;
        for (int j = 0; j < 10; ++j) {
            if (j == 5) code += '-';
            code += kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)];
        }
        out.push_back(code);
    }
    return out;
}

std::string recoveryCodeHash(std::string_view typed) {
    std::string normal;
    for (char c : typed) {
        if (c == '-' || c == ' ') continue;
        normal += util::lowerAscii(c);
    }
    return sha256Hex(normal);
}

bool secondFactorMatches(Poco::Data::Session& db, const store::User& user, std::string_view typed,
                         long long now) {
    if (!user.totp_enabled || typed.size() > 64) return false;
    auto state = store::secondFactor(db, user.id);
    if (auto step = matchTotp(state.secret, typed, now))
        return store::acceptSecondFactorStep(db, user.id, *step);
    if (parseTotpCode(typed)) return false;
    return store::useRecoveryCode(db, user.id, recoveryCodeHash(typed));
}

std::string qrSvg(const std::string& text) {
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
    if (!code) throw std::runtime_error("cannot draw the QR code");
    int width = code->width, border = 4, size = width + 2 * border;
    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                      std::to_string(size) + " " + std::to_string(size) +
                      "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" "
                      "fill=\"#fff\"/><path fill=\"#000\" d=\"";
    for (int y = 0; y < width; ++y)
        for (int x = 0; x < width; ++x)
            if (code->data[y * width + x] & 1)
                svg += "M" + std::to_string(x + border) + " " + std::to_string(y + border) +
                       "h1v1h-1z";
    svg += "\"/></svg>";
    return svg;
}

}  // namespace moat::web
