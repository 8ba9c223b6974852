#include "policy/check_record.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

namespace moat::policy {

std::string toJson(const std::vector<CheckRecord>& records) {
    Poco::JSON::Array array;
    for (const auto& r : records) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
        o->set("check", r.check);
        o->set("result", std::string(r.result.name()));
        o->set("score", r.score);
        o->set("detail", r.detail);
        array.add(o);
    }
    std::ostringstream os;
    array.stringify(os);
    return os.str();
}

}  // namespace moat::policy
