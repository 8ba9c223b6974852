// Typed reads of a request body's JSON fields. A field of the wrong type is
// the client's mistake: HttpError(422) naming the field and the type wanted,
// never a 500 from a failed conversion. Absent and null fields read as
// nothing; "required" reads refuse them with 422.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <string_view>

namespace moat::api {

bool hasField(const Poco::JSON::Object::Ptr& body, const std::string& key);  // present and not null
bool isNullField(const Poco::JSON::Object::Ptr& body, const std::string& key);  // present as null

std::optional<std::string> optString(const Poco::JSON::Object::Ptr& body, const std::string& key);
std::string requireString(const Poco::JSON::Object::Ptr& body, const std::string& key);
std::optional<bool> optBool(const Poco::JSON::Object::Ptr& body, const std::string& key);
std::optional<double> optNumber(const Poco::JSON::Object::Ptr& body, const std::string& key);
std::optional<long long> optInteger(const Poco::JSON::Object::Ptr& body, const std::string& key);

// A setting's value as text: a string as is, a boolean as yes/no, a number
// in its shortest decimal form; anything else is 422.
std::string settingText(const Poco::JSON::Object::Ptr& body, const std::string& key);

// Stored text for a JSON answer: mail-derived bytes may be anything, a JSON
// string must be valid UTF-8 (invalid bytes become U+FFFD).
std::string jsonText(std::string_view stored);

// A stored comma-separated address list (message_log.recipients, archive.recipients)
// as a JSON array; with `only` non-null, just the addresses whose domain it
// allows (a domain administrator sees its own recipients, not the others').
class AddressFilter {
  public:
    virtual ~AddressFilter() = default;
    virtual bool allows(std::string_view domain) const = 0;
};
Poco::JSON::Array::Ptr addressArray(std::string_view stored, const AddressFilter* only = nullptr);

}  // namespace moat::api
