#include "api/json_fields.h"

#include <cmath>
#include <sstream>

#include "content/utf8.h"
#include "store/recipient_list.h"
#include "web/http.h"

namespace moat::api {

namespace {
[[noreturn]] void wrongType(const std::string& key, const char* wanted) {
    throw web::HttpError(422, "'" + key + "' must be " + wanted);
}

std::string numberText(double d) {
    std::ostringstream os;
    os.precision(15);
    os << d;
    return os.str();
}
}  // namespace

bool hasField(const Poco::JSON::Object::Ptr& body, const std::string& key) {
    return body->has(key) && !body->isNull(key);
}

bool isNullField(const Poco::JSON::Object::Ptr& body, const std::string& key) {
    return body->has(key) && body->isNull(key);
}

std::optional<std::string> optString(const Poco::JSON::Object::Ptr& body, const std::string& key) {
    if (!hasField(body, key)) return std::nullopt;
    auto v = body->get(key);
    if (!v.isString()) wrongType(key, "a string");
    return v.extract<std::string>();
}

std::string requireString(const Poco::JSON::Object::Ptr& body, const std::string& key) {
    auto s = optString(body, key);
    if (!s) throw web::HttpError(422, "'" + key + "' is required");
    return *s;
}

std::optional<bool> optBool(const Poco::JSON::Object::Ptr& body, const std::string& key) {
    if (!hasField(body, key)) return std::nullopt;
    auto v = body->get(key);
    if (!v.isBoolean()) wrongType(key, "true or false");
    return v.extract<bool>();
}

std::optional<double> optNumber(const Poco::JSON::Object::Ptr& body, const std::string& key) {
    if (!hasField(body, key)) return std::nullopt;
    auto v = body->get(key);
    if (!v.isNumeric() || v.isBoolean() || v.isString()) wrongType(key, "a number");
    double d = v.convert<double>();
    if (!std::isfinite(d)) wrongType(key, "a finite number");
    return d;
}

std::optional<long long> optInteger(const Poco::JSON::Object::Ptr& body, const std::string& key) {
    if (!hasField(body, key)) return std::nullopt;
    auto v = body->get(key);
    if (!v.isInteger() || v.isBoolean() || v.isString()) wrongType(key, "an integer");
    try {
        return static_cast<long long>(v.convert<Poco::Int64>());
    } catch (const Poco::Exception&) {  // an unsigned value beyond Int64
        wrongType(key, "an integer in range");
    }
}

std::string settingText(const Poco::JSON::Object::Ptr& body, const std::string& key) {
    if (!hasField(body, key)) throw web::HttpError(422, "'" + key + "' is required");
    auto v = body->get(key);
    if (v.isString()) return v.extract<std::string>();
    if (v.isBoolean()) return v.extract<bool>() ? "yes" : "no";
    if (v.isNumeric()) return numberText(v.convert<double>());
    wrongType(key, "a string, number or boolean");
}

std::string jsonText(std::string_view stored) {
    return content::toValidUtf8(stored);
}

Poco::JSON::Array::Ptr addressArray(std::string_view stored, const AddressFilter* only) {
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& r : store::splitRecipientList(stored))
        if (!only || only->allows(r.domain)) out->add(jsonText(r.address));
    return out;
}

}  // namespace moat::api
