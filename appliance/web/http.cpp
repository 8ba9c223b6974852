#include "web/http.h"

#include <Poco/JSON/Parser.h>

#include <sstream>

namespace moat::web {

std::string Request::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

std::string Request::queryValue(const std::string& name, const std::string& fallback) const {
    auto it = query.find(name);
    return it == query.end() ? fallback : it->second;
}

bool jsonIntegersInRange(std::string_view json) {
    bool in_string = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
        char c = json[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
            continue;
        }
        if (c != '-' && (c < '0' || c > '9')) continue;
        bool negative = c == '-';
        std::size_t start = negative ? i + 1 : i, end = start;
        while (end < json.size() && json[end] >= '0' && json[end] <= '9') ++end;
        bool fraction = end < json.size() && (json[end] == '.' || json[end] == 'e' || json[end] == 'E');
        std::string_view digits = json.substr(start, end - start);
        while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
        constexpr std::string_view kMax = "9223372036854775807", kMin = "9223372036854775808";
        auto limit = negative ? kMin : kMax;
        if (!fraction && (digits.size() > limit.size() ||
                          (digits.size() == limit.size() && digits > limit)))
            return false;
        while (end < json.size() && (json[end] == '.' || json[end] == 'e' || json[end] == 'E' ||
                                     json[end] == '+' || json[end] == '-' ||
                                     (json[end] >= '0' && json[end] <= '9')))
            ++end;
        i = end - 1;
    }
    return true;
}

Poco::JSON::Object::Ptr Request::jsonBody() const {
    // Poco reads an integer beyond 64 bits wrapped ("18446744073709551618" as 2):
    // such a number is refused before it is parsed.
    if (!jsonIntegersInRange(body))
        throw HttpError(422, "a number in the request is outside the range of a 64-bit integer");
    try {
        Poco::JSON::Parser parser;
        auto value = parser.parse(body.empty() ? std::string("{}") : body);
        auto object = value.extract<Poco::JSON::Object::Ptr>();
        if (!object) throw HttpError(400, "the request body must be a JSON object");
        return object;
    } catch (const HttpError&) {
        throw;
    } catch (const Poco::Exception&) {
        throw HttpError(400, "the request body must be a JSON object");
    } catch (const std::exception&) {
        throw HttpError(400, "the request body must be a JSON object");
    }
}

namespace {
template <typename T>
Response jsonResponse(int status, const T& value) {
    Response r;
    r.status = status;
    std::ostringstream out;
    value->stringify(out);
    r.body = out.str();
    return r;
}
}  // namespace

Response Response::json(int status, const Poco::JSON::Object::Ptr& object) { return jsonResponse(status, object); }
Response Response::json(int status, const Poco::JSON::Array::Ptr& array) { return jsonResponse(status, array); }

Response Response::error(int status, const std::string& message) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("error", message);
    return json(status, o);
}

Response Response::noContent() {
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
}

}  // namespace moat::web
